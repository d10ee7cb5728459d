package org.pushgate.load.worker;

import org.pushgate.load.report.JsonCodec;

/**
 * The line protocol of a worker child process on its stdout: {@code @ready} once its connections are open,
 * {@code @progress <json>} ({@link WorkerProgress}) once a second, {@code @result <json>} ({@link WorkerResult}) at
 * the end. Any other line is the child's log. Commands on its stdin: {@code stall}, {@code wake}, {@code stop}.
 */
final class WorkerLines {

    static final String READY = "@ready";
    private static final String PROGRESS = "@progress ";
    private static final String RESULT = "@result ";

    private WorkerLines() {
    }

    static String progress(WorkerProgress p) {
        return PROGRESS + JsonCodec.write(p);
    }

    static String result(WorkerResult r) {
        return RESULT + JsonCodec.write(r);
    }

    /** The progress report on this line, or null when it is another kind of line. */
    static WorkerProgress parseProgress(String line) {
        return line.startsWith(PROGRESS) ? JsonCodec.read(line.substring(PROGRESS.length()), WorkerProgress.class) : null;
    }

    /** The final report on this line, or null when it is another kind of line. */
    static WorkerResult parseResult(String line) {
        return line.startsWith(RESULT) ? JsonCodec.read(line.substring(RESULT.length()), WorkerResult.class) : null;
    }
}
