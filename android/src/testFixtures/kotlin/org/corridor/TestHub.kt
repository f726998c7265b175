package org.corridor

import java.io.File
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/** The `corridor` CLI beside the library (the Maven property `corridor.cli`). */
val corridorCli: String = System.getProperty("corridor.cli") ?: error("corridor.cli is not set")

/** Runs `corridor ARGS` with extra environment variables; fails the test on a non-zero exit. */
fun corridor(vararg args: String, env: Map<String, String> = emptyMap()): String {
    val process = ProcessBuilder(corridorCli, *args)
        .apply { environment().putAll(env) }
        .redirectErrorStream(true)
        .start()
    val output = process.inputStream.bufferedReader().readText()
    check(process.waitFor() == 0) { "corridor ${args.joinToString(" ")} failed: $output" }
    return output
}

/** A real `corridor hub serve` on a free loopback port, for the length of a test. */
class TestHub : AutoCloseable {
    val dataDir: File = Files.createTempDirectory("corridor-hub").toFile()
    private val process: Process = ProcessBuilder(
        corridorCli, "hub", "serve", "--data", dataDir.absolutePath, "--addr", "127.0.0.1:0",
    ).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
    val url: String

    init {
        val lines = LinkedBlockingQueue<String>()
        Thread { process.errorStream.bufferedReader().forEachLine { lines.put(it) } }
            .apply { isDaemon = true }
            .start()
        var found: String? = null
        while (found == null) {
            val line = lines.poll(30, TimeUnit.SECONDS) ?: error("the hub did not start")
            found = Regex("listening on ([0-9.]+:[0-9]+)").find(line)?.groupValues?.get(1)
        }
        url = "http://$found"
    }

    fun addUser(role: String, site: String, name: String, password: String) {
        corridor(
            "hub", "user", "add", "--data", dataDir.absolutePath, "--role", role, "--site", site, name,
            env = mapOf("CORRIDOR_HUB_PASSWORD" to password),
        )
    }

    override fun close() {
        process.destroyForcibly().waitFor()
        dataDir.deleteRecursively()
    }
}
