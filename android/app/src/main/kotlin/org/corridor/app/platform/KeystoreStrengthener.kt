package org.corridor.app.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.Mac
import javax.crypto.SecretKey
import org.corridor.ffi.CorridorException
import org.corridor.ffi.KeyStrengthener

/**
 * The core's KeyStrengthener on Android: HMAC-SHA256 with non-exportable Android Keystore keys,
 * in StrongBox when the phone has one.
 *
 * Two keys, told apart by how the input begins ([keyFor]): the core's own device-key prefix
 * (`deviceKeyInputPrefix()`) marks the device store's inputs, everything else is a PIN's:
 *  - the PIN key: usable only while the phone is unlocked (API 28+), so a stolen, locked phone
 *    cannot even run PIN guesses through it. Fallback: on a phone whose keystore refuses an
 *    unlocked-only key (no secure lock screen, on some API 28 builds), the PIN key is made
 *    without that condition, so it works while the phone is locked too; setting up beats
 *    refusing to work, and without a secure lock screen "unlocked" protects nothing anyway;
 *  - the device-store key: the key of the store that must open while the phone is locked (the
 *    boot receiver reconciling reminders, the background sync draining the sealed outbox), so
 *    it cannot require an unlocked phone.
 * Any keystore or Mac failure becomes a platform error that names only the exception's class,
 * never its message. [forget] deletes both: the core calls it only when everything is erased.
 */
class KeystoreStrengthener(context: Context) : KeyStrengthener {
    private val strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
        context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    override fun strengthen(input: ByteArray): ByteArray {
        val alias = keyFor(input)
        val key = try {
            key(alias, unlockedDeviceRequired = alias == PIN_ALIAS)
        } catch (error: Exception) {
            throw CorridorException.Platform("the keystore key is unavailable (${error.javaClass.simpleName})")
        }
        return try {
            Mac.getInstance(KeyProperties.KEY_ALGORITHM_HMAC_SHA256).run {
                init(key)
                doFinal(input)
            }
        } catch (error: Exception) {
            throw CorridorException.Platform("the keystore refused the key (${error.javaClass.simpleName})")
        }
    }

    override fun forget() {
        synchronized(lock) {
            val store = keyStore()
            for (alias in listOf(PIN_ALIAS, DEVICE_ALIAS)) {
                if (store.containsAlias(alias)) store.deleteEntry(alias)
            }
        }
    }

    private fun key(alias: String, unlockedDeviceRequired: Boolean): SecretKey = synchronized(lock) {
        (keyStore().getKey(alias, null) as? SecretKey) ?: generate(alias, unlockedDeviceRequired)
    }

    /**
     * Makes the key in the strongest place that takes it: StrongBox, then the TEE; then, for the
     * PIN key on a phone whose keystore refuses unlocked-device-required (no secure lock screen
     * on some API 28 builds), without it: being able to set up beats refusing to work at all,
     * and without a lock screen "unlocked" protects nothing anyway.
     */
    private fun generate(alias: String, unlockedDeviceRequired: Boolean): SecretKey {
        val attempts = buildList {
            if (strongBox) add(true to unlockedDeviceRequired)
            add(false to unlockedDeviceRequired)
            if (unlockedDeviceRequired) add(false to false)
        }
        var last: Exception? = null
        for ((inStrongBox, unlocked) in attempts) {
            try {
                val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN).apply {
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
                        if (inStrongBox) setIsStrongBoxBacked(true)
                        if (unlocked) setUnlockedDeviceRequired(true)
                    }
                }.build()
                return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_HMAC_SHA256, KEYSTORE).run {
                    init(spec)
                    generateKey()
                }
            } catch (error: java.security.GeneralSecurityException) {
                last = error
            } catch (error: java.security.ProviderException) {
                last = error
            }
        }
        throw last ?: IllegalStateException("no keystore")
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }

    companion object {
        /** Which key strengthens [input]: the device-store key for the core's device-bound inputs, else the PIN key. */
        fun keyFor(input: ByteArray): String = if (input.startsWith(DEVICE_LABEL)) DEVICE_ALIAS else PIN_ALIAS

        private fun ByteArray.startsWith(prefix: ByteArray): Boolean =
            size >= prefix.size && prefix.indices.all { this[it] == prefix[it] }

        private const val KEYSTORE = "AndroidKeyStore"
        const val PIN_ALIAS = "k1"
        const val DEVICE_ALIAS = "k2"
        /** How the core begins a device-bound key's input (the core's own value, never a copy). */
        private val DEVICE_LABEL: ByteArray by lazy { org.corridor.ffi.deviceKeyInputPrefix() }
        private val lock = Any()
    }
}
