package org.pushgate.gateway.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import reactor.core.publisher.Mono;

/**
 * One Lua script of the broker (a resource beside this class), run by its SHA-1 with EVALSHA; a Redis that does
 * not know it yet (new, restarted, flushed) answers NOSCRIPT and gets the source once with EVAL, which also
 * caches it there.
 */
record RedisScript(String name, byte[] source, String sha1) {

    static RedisScript load(String resource) {
        try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing broker script " + resource);
            }
            byte[] source = in.readAllBytes();
            return new RedisScript(resource, source, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source)));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the script; its multi-bulk reply as a list (integers as Long, strings as byte[]). */
    Mono<List<Object>> run(RedisReactiveCommands<String, byte[]> redis, String[] keys, byte[]... args) {
        return redis.<List<Object>>evalsha(sha1, ScriptOutputType.MULTI, keys, args).next()
                .onErrorResume(RedisNoScriptException.class,
                        unknown -> redis.<List<Object>>eval(source, ScriptOutputType.MULTI, keys, args).next());
    }
}
