package uk.carecoord.validator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * The validator's configuration: base R4 plus whatever the services publish, with no
 * terminology server. Codes from systems nobody here can expand (the NHS's own, ours until
 * they are published) come back from HAPI 8.8 as warnings ("CodeSystem is unknown and can't
 * be validated") and SNOMED CT codes are not checked, so they are counted and classified
 * rather than failing CI for something only a terminology server could decide.
 */
final class Validators {
    static final String UNREADABLE = "carecoord-unreadable-file";
    static final String NOT_JSON = "carecoord-invalid-json";
    static final String CRASHED = "carecoord-validator-exception";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WARM_UP = "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"warm-up\"}}";

    private Validators() {}

    static FhirValidator forBaseR4(IValidationSupport published) {
        FhirContext ctx = FhirContext.forR4Cached();
        ValidationSupportChain chain = new ValidationSupportChain(
                published,
                new DefaultProfileValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx));
        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
        FhirValidator validator = ctx.newValidator().registerValidatorModule(instanceValidator);
        // The first validation loads and converts the base definitions: once, on this
        // thread, rather than racing on every worker thread.
        validator.validateWithResult(WARM_UP);
        return validator;
    }

    /** The validator's messages for one file; a file it cannot read or parse is an error. */
    static List<SingleValidationMessage> validateFile(FhirValidator validator, Path file) {
        String body;
        try {
            body = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException problem) {
            return List.of(error(UNREADABLE, "cannot read the file: " + problem.getMessage()));
        }
        try {
            JSON.readTree(body);
        } catch (JsonProcessingException problem) {
            return List.of(error(NOT_JSON, "not JSON: " + problem.getOriginalMessage()));
        }
        try {
            return validator.validateWithResult(body).getMessages();
        } catch (RuntimeException problem) {
            return List.of(error(CRASHED, problem.getClass().getSimpleName() + ": " + problem.getMessage()));
        }
    }

    static List<SingleValidationMessage> await(Future<List<SingleValidationMessage>> pending) {
        try {
            return pending.get();
        } catch (InterruptedException problem) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while validating", problem);
        } catch (ExecutionException problem) {
            return List.of(error(CRASHED, String.valueOf(problem.getCause())));
        }
    }

    private static SingleValidationMessage error(String id, String text) {
        SingleValidationMessage message = new SingleValidationMessage();
        message.setSeverity(ResultSeverityEnum.ERROR);
        message.setMessageId(id);
        message.setMessage(text);
        message.setLocationString("(file)");
        return message;
    }
}
