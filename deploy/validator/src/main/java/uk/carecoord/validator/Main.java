package uk.carecoord.validator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;

/**
 * Validates every {@code *.json} file under a folder against base FHIR R4 and prints one
 * JSON summary on stdout.
 *
 * <p>CareCoord's services are Python; this program is the second opinion the reference
 * implementation (HAPI FHIR's instance validator) gives on what they send, run once per
 * folder so one JVM start and one load of the base definitions cover every sample.
 *
 * <p>Usage: {@code Main <samples-dir> [<definitions-dir>]}. Exit status: 0 when no
 * resource has an error, 1 when one has, 2 when the arguments or definitions are unusable.
 */
public final class Main {
    static final int EXIT_VALID = 0;
    static final int EXIT_INVALID = 1;
    static final int EXIT_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 1 || args.length > 2 || !Files.isDirectory(Path.of(args[0]))) {
            err.println("usage: Main <samples-dir> [<definitions-dir>] (folders of FHIR JSON)");
            return EXIT_USAGE;
        }
        Path samples = Path.of(args[0]);
        Path definitionsDir = args.length == 2 ? Path.of(args[1]) : null;
        if (definitionsDir != null && !Files.isDirectory(definitionsDir)) {
            err.println("definitions folder not found: " + definitionsDir);
            return EXIT_USAGE;
        }
        long started = System.nanoTime();
        try {
            Definitions definitions = Definitions.load(definitionsDir);
            List<Path> files = jsonFiles(samples);
            // Nothing to validate needs no validator (and none of its seconds of start-up).
            Summary summary = files.isEmpty() ? new Summary()
                    : validateAll(Validators.forBaseR4(definitions.support()), samples, files);
            summary.setDefinitions(definitions.counts());
            summary.setElapsedSeconds((System.nanoTime() - started) / 1e9);
            out.println(summary.toJson());
            return summary.errors() == 0 ? EXIT_VALID : EXIT_INVALID;
        } catch (Definitions.UnusableDefinition problem) {
            err.println(problem.getMessage());
            return EXIT_USAGE;
        }
    }

    /** Every {@code *.json} file under {@code folder}, in a stable order. */
    static List<Path> jsonFiles(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(path -> path.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        } catch (IOException problem) {
            throw new UncheckedIOException(problem);
        }
    }

    /**
     * Validates the files on one thread per core (the validator is thread-safe and most of
     * the work is CPU), then folds the results in file order so the summary is stable.
     */
    static Summary validateAll(FhirValidator validator, Path root, List<Path> files) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<SingleValidationMessage>>> pending = new ArrayList<>();
            for (Path file : files) {
                pending.add(pool.submit(() -> Validators.validateFile(validator, file)));
            }
            Summary summary = new Summary();
            for (int i = 0; i < files.size(); i++) {
                summary.addFile(root.relativize(files.get(i)).toString(), Validators.await(pending.get(i)));
            }
            return summary;
        } finally {
            pool.shutdownNow();
        }
    }
}
