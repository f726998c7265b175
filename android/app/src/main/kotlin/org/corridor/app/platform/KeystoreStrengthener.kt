package org.corridor.app.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
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
 * Two keys, told apart by the core's domain label at the start of the input:
 *  - the PIN key ("corridor/pin/v1\0"…): usable only while the phone is unlocked (API 28+), so
 *    a stolen, locked phone cannot even run PIN guesses through it;
 *  - the device-store key ("corridor/device/v1\0"…): the key of the store that must open while
 *    the phone is locked (the boot receiver reconciling reminders, the background sync draining
 *    the sealed outbox), so it cannot require an unlocked phone.
 * [forget] deletes both: the core calls it only when everything is erased.
 */
class KeystoreStrengthener(context: Context) : KeyStrengthener {
    private val strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
        context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    override fun strengthen(input: ByteArray): ByteArray {
        val deviceStore = input.startsWith(DEVICE_LABEL)
        val key = try {
            key(if (deviceStore) DEVICE_ALIAS else PIN_ALIAS, unlockedDeviceRequired = !deviceStore)
        } catch (error: Exception) {
            throw CorridorException.Platform("the keystore key is unavailable (${error.javaClass.simpleName})")
        }
        return Mac.getInstance(KeyProperties.KEY_ALGORITHM_HMAC_SHA256).run {
            init(key)
            doFinal(input)
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

    private fun generate(alias: String, unlockedDeviceRequired: Boolean): SecretKey {
        fun spec(inStrongBox: Boolean) = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN).apply {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
                if (inStrongBox) setIsStrongBoxBacked(true)
                if (unlockedDeviceRequired) setUnlockedDeviceRequired(true)
            }
        }.build()
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_HMAC_SHA256, KEYSTORE)
        if (strongBox) {
            try {
                generator.init(spec(inStrongBox = true))
                return generator.generateKey()
            } catch (_: StrongBoxUnavailableException) {
                // Announced but busy or unable: the TEE-backed keystore is next best.
            }
        }
        generator.init(spec(inStrongBox = false))
        return generator.generateKey()
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }

    private fun ByteArray.startsWith(prefix: ByteArray): Boolean =
        size >= prefix.size && prefix.indices.all { this[it] == prefix[it] }

    companion object {
        private const val KEYSTORE = "AndroidKeyStore"
        const val PIN_ALIAS = "k1"
        const val DEVICE_ALIAS = "k2"
        /** The core's label for device-bound keys (core/src/kdf.rs, `device_key`). */
        private val DEVICE_LABEL = "corridor/device/v1\u0000".toByteArray(Charsets.US_ASCII)
        private val lock = Any()
    }
}
