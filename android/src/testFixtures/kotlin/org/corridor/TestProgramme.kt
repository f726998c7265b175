package org.corridor

import java.io.File
import java.nio.file.Files

/**
 * The starter content (`corridor.content.src`) built, signed by a threshold of editor keys and
 * published with the real editors' CLI, then served by [hub] at [contentUrl]: what a phone or a
 * tablet installs before it can show modules or pick a programme site.
 */
class TestProgramme(
    val hub: TestHub,
    /** Changes the copied source before it is built (a test's own team key in safety.toml). */
    prepare: TestProgramme.(source: File) -> Unit = {},
) : AutoCloseable {
    /** A scratch directory for the test's own files; removed on [close]. */
    val work: File = Files.createTempDirectory("corridor-content").toFile()
    private val repo = File(work, "repo")
    private val editorData = File(work, "editor").absolutePath

    /** The editors' passphrase (also for a team key a test makes with [cli]). */
    val passphrase = mapOf("CORRIDOR_KEY_PASSPHRASE" to "editors keep this passphrase safe")

    /** Runs the CLI with the editors' data directory and passphrase. */
    fun cli(vararg args: String): String = corridor("--data-dir", editorData, *args, env = passphrase)

    /** The root a device trusts first (the one shipped in the app). */
    val shippedRoot: ByteArray get() = File(repo, "root/1.json").readBytes()

    val contentUrl: String get() = "${hub.url}/v1/content/repo/"

    init {
        val source = File(work, "src")
        File(System.getProperty("corridor.content.src") ?: error("corridor.content.src is not set"))
            .copyRecursively(source)
        prepare(source)
        val keys = listOf("a", "b", "c", "d", "e").associateWith { File(work, "$it.key").absolutePath }
        keys.values.forEach { cli("content", "keygen", "--out", it) }
        cli(
            "content", "init-repo", repo.absolutePath,
            "--keys", listOf("a", "b", "c").joinToString(",") { "${keys[it]}.pub" }, "--threshold", "2",
            "--safety-keys", listOf("d", "e").joinToString(",") { "${keys[it]}.pub" }, "--safety-threshold", "2",
        )
        fun signAndPublish(vararg signers: String) {
            signers.forEach { cli("content", "sign", "--repo", repo.absolutePath, "--key", keys.getValue(it)) }
            cli("content", "publish", "--repo", repo.absolutePath)
        }
        signAndPublish("a", "b")
        cli("content", "build", source.absolutePath, "--repo", repo.absolutePath)
        signAndPublish("a", "b", "d", "e")
        repo.copyRecursively(File(hub.dataDir, "content/repo"))
        File(hub.dataDir, "content/repo/staged").deleteRecursively()
    }

    /**
     * Makes a real key for the Zimbabwe Crisis Response Team with `corridor crt keygen` and puts
     * its public half into the copied `safety.toml` in place of the demo placeholder (call from
     * the `prepare` block). Returns the private key file (its passphrase is [passphrase]).
     */
    fun useZimbabweTeamKey(source: File, keyId: String): File {
        val teamKey = File(work, "zimbabwe-team.key")
        cli("crt", "keygen", "--out", teamKey.absolutePath, "--key-id", keyId)
        val publicKey = Regex("\"x25519_public\"\\s*:\\s*\"([0-9a-f]{64})\"")
            .find(File("${teamKey.absolutePath}.pub").readText())!!.groupValues[1]
        val safety = File(source, "safety.toml")
        val original = safety.readText()
        val team = original.indexOf("crt-zimbabwe-demo-placeholder")
        check(team >= 0) { "safety.toml has no Zimbabwe placeholder key" }
        val placeholder = Regex("x25519_public\\s*=\\s*\"([0-9a-f]{64})\"").find(original, team)!!.groupValues[1]
        safety.writeText(original.replace("crt-zimbabwe-demo-placeholder", keyId).replace(placeholder, publicKey))
        return teamKey
    }

    override fun close() {
        work.deleteRecursively()
    }
}
