package uk.carecoord.validator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the run found, as counts a person can act on: totals by severity, and the messages
 * grouped into classes (the validator's message id, or the message with its values
 * stripped when it has none) with the first few examples of each, so a thousand
 * "missing narrative" warnings read as one line with a count and not a thousand lines.
 */
final class Summary {
    static final int EXAMPLES_PER_CLASS = 3;
    private static final Pattern URL = Pattern.compile("\\b(?:https?|urn):[^\\s'\",)]+");
    private static final Pattern QUOTED = Pattern.compile("(?<![A-Za-z])'[^']*'|\"[^\"]*\"");
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+(?:\\.\\d+)?\\b");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, MessageClass> classes = new LinkedHashMap<>();
    private final Map<String, Integer> bySeverity = new LinkedHashMap<>();
    private final ArrayNode byFile = JSON.createArrayNode();
    private Map<String, Integer> definitions = Map.of();
    private int files;
    private int filesWithErrors;
    private double elapsedSeconds;

    private static final class MessageClass {
        final String severity;
        final String id;
        final String template;
        final Set<String> files = new HashSet<>();
        final List<ObjectNode> examples = new ArrayList<>();
        int count;

        MessageClass(String severity, String id, String template) {
            this.severity = severity;
            this.id = id;
            this.template = template;
        }
    }

    void addFile(String file, List<SingleValidationMessage> messages) {
        files++;
        Map<String, Integer> counts = new LinkedHashMap<>(Map.of("error", 0, "warning", 0, "information", 0));
        for (SingleValidationMessage message : messages) {
            String severity = severity(message.getSeverity());
            counts.merge(severity, 1, Integer::sum);
            bySeverity.merge(severity, 1, Integer::sum);
            String template = normalise(message.getMessage());
            String id = classify(message.getMessageId(), template);
            MessageClass group = classes.computeIfAbsent(
                    severity + "\u0000" + id, key -> new MessageClass(severity, id, template));
            group.count++;
            group.files.add(file);
            if (group.examples.size() < EXAMPLES_PER_CLASS) {
                ObjectNode example = JSON.createObjectNode().put("file", file);
                example.put("location", message.getLocationString()).put("message", message.getMessage());
                group.examples.add(example);
            }
        }
        filesWithErrors += counts.get("error") > 0 ? 1 : 0;
        byFile.addObject().put("file", file).put("errors", counts.get("error"))
                .put("warnings", counts.get("warning")).put("information", counts.get("information"));
    }

    /**
     * The validator's message id names the check; a pass-through id (terminology messages
     * relayed verbatim) names none, so the stripped message joins it.
     */
    static String classify(String messageId, String template) {
        if (messageId == null || messageId.isBlank()) {
            return template;
        }
        return messageId.contains("PassThrough") ? messageId + ": " + template : messageId;
    }

    /** FATAL counts as an error: either way the resource is not valid. */
    static String severity(ResultSeverityEnum severity) {
        if (severity == null) {
            return "error";
        }
        return switch (severity) {
            case FATAL, ERROR -> "error";
            case WARNING -> "warning";
            case INFORMATION -> "information";
        };
    }

    /** The message with its values (addresses, quoted text, numbers) replaced. */
    static String normalise(String message) {
        String text = message == null ? "" : message;
        text = URL.matcher(text).replaceAll("<url>");
        text = QUOTED.matcher(text).replaceAll("'…'");
        return NUMBER.matcher(text).replaceAll("#");
    }

    int errors() {
        return bySeverity.getOrDefault("error", 0);
    }

    void setDefinitions(Map<String, Integer> counts) {
        definitions = counts;
    }

    void setElapsedSeconds(double seconds) {
        elapsedSeconds = seconds;
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("files", files).put("filesWithErrors", filesWithErrors).put("errors", errors());
        root.put("warnings", bySeverity.getOrDefault("warning", 0));
        root.put("information", bySeverity.getOrDefault("information", 0));
        root.put("elapsedSeconds", Math.round(elapsedSeconds * 10) / 10.0);
        root.set("definitions", JSON.valueToTree(definitions));
        ArrayNode list = root.putArray("classes");
        List<String> order = List.of("error", "warning", "information");
        classes.values().stream()
                .sorted(Comparator.<MessageClass>comparingInt(c -> order.indexOf(c.severity))
                        .thenComparing(c -> -c.count).thenComparing(c -> c.id))
                .forEach(c -> {
                    ObjectNode node = list.addObject().put("severity", c.severity).put("class", c.id);
                    node.put("template", c.template).put("count", c.count).put("files", c.files.size());
                    node.putArray("examples").addAll(c.examples);
                });
        root.set("byFile", byFile);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException problem) {
            throw new IllegalStateException("cannot write the summary", problem);
        }
    }
}
