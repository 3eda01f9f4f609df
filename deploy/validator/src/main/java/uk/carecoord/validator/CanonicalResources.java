package uk.carecoord.validator;

import java.util.Map;
import java.util.TreeMap;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.common.hapi.validation.support.BaseValidationSupport;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.MetadataResource;

/**
 * Canonical resources other than conformance ones (the services' Measures and Libraries),
 * resolved by canonical URL ({@code url} or {@code url|version}) so that a reference such
 * as MeasureReport.measure resolves to what the service serves. HAPI's pre-populated
 * support only answers for StructureDefinitions, CodeSystems, ValueSets and SearchParameters.
 */
final class CanonicalResources extends BaseValidationSupport {
    private final Map<String, IBaseResource> byUrl = new TreeMap<>();

    CanonicalResources(FhirContext ctx) {
        super(ctx);
    }

    @Override
    public String getName() {
        return "CareCoord canonical resources";
    }

    void add(MetadataResource resource) {
        if (!resource.hasUrl()) {
            return;
        }
        byUrl.put(resource.getUrl(), resource);
        if (resource.hasVersion()) {
            byUrl.put(resource.getUrl() + "|" + resource.getVersion(), resource);
        }
    }

    @Override
    public <T extends IBaseResource> T fetchResource(Class<T> theClass, String theUri) {
        IBaseResource found = theUri == null ? null : byUrl.get(theUri);
        if (found == null || (theClass != null && !theClass.isInstance(found))) {
            return null;
        }
        @SuppressWarnings("unchecked")
        T typed = (T) found;
        return typed;
    }
}
