package org.pushgate.load.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines a log file gains during a run (the gateway's log, --server-log): its size is noted at the start, and at
 * the end the bytes past it are read once (at most {@link #MAX_BYTES}), their lines counted and the first few kept.
 */
final class LogGrowth {

    /** What the log gained: lines (exact up to MAX_BYTES read), the first {@link #KEPT} of them. */
    record Lines(String file, long linesAdded, long bytesAdded, boolean truncated, List<String> first) {
    }

    private static final long MAX_BYTES = 256L * 1024 * 1024;
    private static final int KEPT = 5;

    private final Path file;
    private final long startSize;

    private LogGrowth(Path file, long startSize) {
        this.file = file;
        this.startSize = startSize;
    }

    static LogGrowth from(Path file) throws IOException {
        return new LogGrowth(file, Files.size(file));
    }

    Lines sinceStart() throws IOException {
        long size = Files.size(file);
        if (size < startSize) {
            // Rotated or truncated meanwhile: what it holds now is all that can be counted.
            return count(0, size, true);
        }
        return count(startSize, size, false);
    }

    private Lines count(long from, long to, boolean truncated) throws IOException {
        long lines = 0;
        List<String> first = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        long left = Math.min(to - from, MAX_BYTES);
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(from);
            byte[] buf = new byte[65_536];
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                left -= n;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                        if (first.size() < KEPT) {
                            first.add(current.toString());
                        }
                        current.setLength(0);
                    }
                    else if (first.size() < KEPT && current.length() < 300) {
                        current.append((char) (buf[i] & 0xff));
                    }
                }
            }
        }
        List<String> kept = first.stream().map(l -> new String(l.getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8)).toList();
        return new Lines(file.toString(), lines, to - from, truncated || to - from > MAX_BYTES, kept);
    }
}
