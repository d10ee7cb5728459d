package org.pushgate.load.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The value types of the generator's options, in the spellings the scripts have always used. */
final class Converters {

    private Converters() {
    }

    /** {@code 30s}, {@code 250ms}, {@code 1.5m}, {@code 1h}, or plain seconds; to milliseconds, at most 24 h. */
    static final class Millis implements ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            return millis(v);
        }
    }

    static long millis(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        long mult = 1000;
        String num = s;
        if (s.endsWith("ms")) {
            mult = 1;
            num = s.substring(0, s.length() - 2);
        }
        else if (s.endsWith("s")) {
            num = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("m")) {
            mult = 60_000;
            num = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("h")) {
            mult = 3_600_000;
            num = s.substring(0, s.length() - 1);
        }
        double d;
        try {
            d = Double.parseDouble(num);
        }
        catch (NumberFormatException e) {
            throw new TypeConversionException("not a duration (e.g. 30s, 500ms, 2m): " + v);
        }
        if (d < 0 || d * mult > 24 * 3_600_000.0) {
            throw new TypeConversionException("out of range: " + v);
        }
        return Math.round(d * mult);
    }

    /** Whole numbers, with {@code _} allowed as a separator ({@code 10_000}). */
    static final class WholeNumber implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String v) {
            try {
                long x = Long.parseLong(v.strip().replace("_", ""));
                if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                    throw new TypeConversionException("out of range: " + v);
                }
                return (int) x;
            }
            catch (NumberFormatException e) {
                throw new TypeConversionException("not a whole number: " + v);
            }
        }
    }

    static final class Decimal implements ITypeConverter<Double> {
        @Override
        public Double convert(String v) {
            try {
                return Double.parseDouble(v.strip());
            }
            catch (NumberFormatException e) {
                throw new TypeConversionException("not a number: " + v);
            }
        }
    }

    /** A flag given bare, or as {@code --flag=true|1|yes} (anything else is false). */
    static final class Flag implements ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String v) {
            return v.equals("true") || v.equals("1") || v.equals("yes");
        }
    }

    /** {@code auto} (0) or 1..64. */
    static final class Processes implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String v) {
            if (v.equals("auto")) {
                return 0;
            }
            int k = new WholeNumber().convert(v);
            if (k < 1 || k > 64) {
                throw new TypeConversionException("must be auto or between 1 and 64");
            }
            return k;
        }
    }

    /** A pid, or empty for none (0). */
    static final class Pid implements ITypeConverter<Long> {
        @Override
        public Long convert(String v) {
            if (v.isEmpty()) {
                return 0L;
            }
            int pid = new WholeNumber().convert(v);
            if (pid < 0) {
                throw new TypeConversionException("not a pid: " + v);
            }
            return (long) pid;
        }
    }

    /** {@code 127.0.0.1,127.0.0.2}, a range {@code 127.0.0.1-127.0.0.8} (or {@code -8}), or {@code auto} (empty). */
    static List<String> sourceAddresses(String v) {
        List<String> out = new ArrayList<>();
        if (v.isBlank() || v.equals("auto")) {
            return out;
        }
        for (String part : v.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash > 0) {
                String from = p.substring(0, dash);
                String to = p.substring(dash + 1);
                int a = lastOctet(from);
                int b = to.contains(".") ? lastOctet(to) : Integer.parseInt(to);
                String prefix = from.substring(0, from.lastIndexOf('.') + 1);
                if (b < a || b > 254) {
                    throw new IllegalArgumentException("bad address range " + p);
                }
                for (int x = a; x <= b; x++) {
                    out.add(prefix + x);
                }
            }
            else {
                lastOctet(p);
                out.add(p);
            }
        }
        for (String a : out) {
            if (!LoadOptions.isLoopback(a)) {
                throw new IllegalArgumentException("source address " + a + " is not a loopback address");
            }
        }
        return out;
    }

    private static int lastOctet(String ip) {
        String[] parts = ip.split("\\.");
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + ip);
        }
        try {
            for (String part : parts) {
                int x = Integer.parseInt(part);
                if (x < 0 || x > 255) {
                    throw new IllegalArgumentException("not an IPv4 address: " + ip);
                }
            }
            return Integer.parseInt(parts[3]);
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + ip);
        }
    }
}
