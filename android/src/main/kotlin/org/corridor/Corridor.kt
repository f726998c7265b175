// The thin idiomatic Kotlin layer over the generated bindings (package org.corridor.ffi).
// Everything here is shell plumbing: no logic that the core should own.
package org.corridor

import java.io.File
import java.security.SecureRandom
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.corridor.ffi.CorridorException
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.Vault
import org.corridor.ffi.VaultStatus

/** What one PIN attempt led to, for a shell to draw without catching exceptions itself. */
sealed interface UnlockOutcome {
    data class Unlocked(val session: ProfileSession) : UnlockOutcome
    /** The PIN opened nothing. */
    data class WrongPin(val attemptsLeft: Int, val retryAfter: Duration) : UnlockOutcome
    /** Too many wrong PINs: no PIN is checked until [retryAfter] has passed. */
    data class MustWait(val retryAfter: Duration) : UnlockOutcome
}

/**
 * A data directory opened for a shell. Storage calls run on [Dispatchers.IO]; unlocking and
 * PIN changes are already asynchronous in the core (the KDF runs on the core's own threads).
 */
class CorridorVault private constructor(val vault: Vault) : AutoCloseable {
    companion object {
        fun open(dataDir: File, strengthener: KeyStrengthener): CorridorVault =
            CorridorVault(Vault.open(dataDir.absolutePath, strengthener))
    }

    suspend fun status(): VaultStatus = withContext(Dispatchers.IO) { vault.status() }

    /** One counted attempt; on a shared tablet [profileId] is the educator's chosen profile. */
    suspend fun unlock(pin: String, profileId: String? = null): UnlockOutcome =
        try {
            UnlockOutcome.Unlocked(vault.unlock(pin, profileId))
        } catch (wrong: CorridorException.WrongPin) {
            UnlockOutcome.WrongPin(wrong.attemptsLeft.toInt(), wrong.retryAfterSecs.toLong().seconds)
        } catch (wait: CorridorException.TooManyAttempts) {
            UnlockOutcome.MustWait(wait.retryAfterSecs.toLong().seconds)
        }

    override fun close() = vault.close()
}

/**
 * HMAC-SHA256 key strengthener for the JVM: the shape of the Android shell's Keystore-backed
 * one, with the key held in memory instead of in secure hardware. For desktop tools and tests.
 * [forget] replaces the key with a fresh random one, as the Keystore shell deletes its alias.
 */
class HmacKeyStrengthener(secret: ByteArray) : KeyStrengthener {
    @Volatile private var key = SecretKeySpec(secret.copyOf(), "HmacSHA256")

    /** How many times the core asked to forget the device key. */
    @Volatile var forgotten = 0
        private set

    override fun strengthen(input: ByteArray): ByteArray =
        Mac.getInstance("HmacSHA256").run {
            init(key)
            doFinal(input)
        }

    override fun forget() {
        key = SecretKeySpec(ByteArray(32).also { SecureRandom().nextBytes(it) }, "HmacSHA256")
        forgotten++
    }
}
