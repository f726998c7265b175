package org.corridor.app

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.HmacKeyStrengthener
import org.corridor.TestHub
import org.corridor.corridor
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.Vault
import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.ProfileSession

const val PIN = "482916"
const val DURESS = "505050"

/** The app under Robolectric: the real core; an in-memory HMAC key stands in for the Keystore, which the JVM lacks. */
class TestApp : CorridorApp() {
    val dir: File = Files.createTempDirectory("corridor-app").toFile()
    override fun strengthener(): KeyStrengthener = HmacKeyStrengthener(ByteArray(32) { 7 })
    override fun dataDir(): File = File(dir, "vault")

    /** Sets up a personal profile and opens it, as the setup screen does. */
    fun setUpAndUnlock(): ProfileSession = runBlocking { corridor.vault.setupPersonal(PIN) }.also {
        unlocked(it)
        background.submit {}.get() // the reconcile that unlocking starts
    }

    /** Waits for the work handed to the background thread, then removes the data. */
    fun finish() {
        background.shutdown()
        background.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)
        corridor.close()
        dir.deleteRecursively()
    }
}

/** The app module's directory (the Maven property `corridor.app.dir`). */
val appDir: File = File(System.getProperty("corridor.app.dir") ?: error("corridor.app.dir is not set"))

/** The keys of a typed string, as a person presses them ('=' included). */
fun keysOf(typed: String): List<CalculatorKey> = typed.map {
    when (it) {
        in '0'..'9' -> CalculatorKey.Digit((it - '0').toUByte())
        '+' -> CalculatorKey.Add
        '-' -> CalculatorKey.Subtract
        '*' -> CalculatorKey.Multiply
        '/' -> CalculatorKey.Divide
        '.' -> CalculatorKey.Point
        '%' -> CalculatorKey.Percent
        '=' -> CalculatorKey.Equals
        'C' -> CalculatorKey.Clear
        '<' -> CalculatorKey.Backspace
        else -> error("no key for $it")
    }
}

/**
 * The programme's content as a phone gets it: the starter content with a real team key (made
 * by `corridor crt keygen`) for the Zimbabwe team, built, signed and published by the CLI, and
 * served by a real `corridor hub serve`. [phone] is an empty data directory for the phone.
 */
class ProgrammeContent : AutoCloseable {
    val work: File = Files.createTempDirectory("corridor-app-programme").toFile()
    val phone: File = Files.createTempDirectory("corridor-app-phone").toFile()
    val hub = TestHub()
    private val passphrase = mapOf("CORRIDOR_KEY_PASSPHRASE" to "editors keep this passphrase safe")

    init {
        val source = File(work, "src")
        File(System.getProperty("corridor.content.src") ?: error("corridor.content.src is not set")).copyRecursively(source)
        val editor = File(work, "editor").absolutePath
        fun cli(vararg args: String) = corridor("--data-dir", editor, *args, env = passphrase)
        val teamKey = File(work, "team.key")
        cli("crt", "keygen", "--out", teamKey.absolutePath, "--key-id", "crt-zimbabwe-app")
        val publicKey = Regex("\"x25519_public\"\\s*:\\s*\"([0-9a-f]{64})\"").find(File("$teamKey.pub").readText())!!.groupValues[1]
        val safety = File(source, "safety.toml")
        val original = safety.readText()
        val team = original.indexOf("crt-zimbabwe-demo-placeholder")
        val placeholder = Regex("x25519_public\\s*=\\s*\"([0-9a-f]{64})\"").find(original, team)!!.groupValues[1]
        safety.writeText(original.replace("crt-zimbabwe-demo-placeholder", "crt-zimbabwe-app").replace(placeholder, publicKey))
        val repo = File(work, "repo")
        val keys = listOf("a", "b", "d", "e").associateWith { File(work, "$it.key").absolutePath }
        keys.values.forEach { cli("content", "keygen", "--out", it) }
        cli(
            "content", "init-repo", repo.absolutePath, "--keys", "${keys["a"]}.pub,${keys["b"]}.pub", "--threshold", "2",
            "--safety-keys", "${keys["d"]}.pub,${keys["e"]}.pub", "--safety-threshold", "2",
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

    /** Trusts the shipped root and installs the content, as the Learn screen's update does. */
    fun install(vault: Vault) {
        vault.trustContentRoot(File(work, "repo/root/1.json").readBytes())
        Hub(HubSettings("${hub.url}/v1/content/repo/", emptyList(), emptyList())).use { runBlocking { vault.updateContent(it, null) } }
    }

    override fun close() {
        hub.close()
        work.deleteRecursively()
        phone.deleteRecursively()
    }
}
