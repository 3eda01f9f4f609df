package uk.carecoord.validator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The conformance resources CareCoord publishes itself (its extensions' StructureDefinitions,
 * its CodeSystems and ValueSets) and the Measures and Libraries its services serve, loaded
 * from a folder so that validating against them (and resolving MeasureReport.measure) needs
 * no server. A file there that is not FHIR JSON is a setup problem, not a finding.
 */
final class Definitions {
    private final PrePopulatedValidationSupport support;
    private final CanonicalResources canonical;
    private final Map<String, Integer> counts = new TreeMap<>();

    private Definitions(FhirContext ctx) {
        this.support = new PrePopulatedValidationSupport(ctx);
        this.canonical = new CanonicalResources(ctx);
    }

    static final class UnusableDefinition extends RuntimeException {
        UnusableDefinition(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Every StructureDefinition, CodeSystem and ValueSet under {@code folder} (or none). */
    static Definitions load(Path folder) {
        FhirContext ctx = FhirContext.forR4Cached();
        Definitions definitions = new Definitions(ctx);
        if (folder == null) {
            return definitions;
        }
        for (Path file : Main.jsonFiles(folder)) {
            try {
                String body = Files.readString(file, StandardCharsets.UTF_8);
                definitions.add((Resource) ctx.newJsonParser().parseResource(body));
            } catch (IOException | DataFormatException | ClassCastException problem) {
                throw new UnusableDefinition("unusable definition " + file + ": " + problem.getMessage(), problem);
            }
        }
        return definitions;
    }

    /** Conformance resources are added; a Bundle (a search result, say) is opened. */
    private void add(Resource resource) {
        if (resource instanceof Bundle bundle) {
            bundle.getEntry().stream().filter(Bundle.BundleEntryComponent::hasResource)
                    .forEach(entry -> add(entry.getResource()));
            return;
        }
        if (resource instanceof StructureDefinition || resource instanceof CodeSystem
                || resource instanceof ValueSet) {
            support.addResource(resource);
            counts.merge(resource.fhirType(), 1, Integer::sum);
        } else if (resource instanceof Measure || resource instanceof Library) {
            canonical.add((MetadataResource) resource);
            counts.merge(resource.fhirType(), 1, Integer::sum);
        }
    }

    /** Both kinds of published resource, as one link of the validator's chain. */
    ValidationSupportChain support() {
        return new ValidationSupportChain(support, canonical);
    }

    Map<String, Integer> counts() {
        return counts;
    }
}
