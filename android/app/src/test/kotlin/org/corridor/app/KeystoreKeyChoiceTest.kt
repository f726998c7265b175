package org.corridor.app

import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.runBlocking
import org.corridor.CorridorVault
import org.corridor.HmacKeyStrengthener
import org.corridor.app.platform.KeystoreStrengthener
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.deviceKeyInputPrefix
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Which Keystore key the Android strengthener uses for which input (the Keystore itself is not on
 * the JVM): the inputs the real core sends while the phone's profile is locked (the device store,
 * needed by background work on a locked phone) get the device-store key; a PIN attempt's inputs
 * get the unlocked-only PIN key.
 */
class KeystoreKeyChoiceTest {
    @Test
    fun theDeviceStoreGetsTheDeviceKeyAndAPinThePinKey() = runBlocking<Unit> {
        val dir = Files.createTempDirectory("corridor-keys").toFile()
        try {
            val inner = HmacKeyStrengthener(ByteArray(32) { 3 })
            val seen: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf<ByteArray>())
            val recording = object : KeyStrengthener {
                override fun strengthen(input: ByteArray): ByteArray = inner.strengthen(input).also { seen.add(input.copyOf()) }
                override fun forget() = inner.forget()
            }
            CorridorVault.open(dir, recording).use { it.vault.setupPersonal(PIN).lock() }
            seen.clear()
            CorridorVault.open(dir, recording).use { corridor ->
                corridor.vault.outboxItems()
                assertTrue("the device store asked for a key", seen.isNotEmpty())
                assertEquals(setOf(KeystoreStrengthener.DEVICE_ALIAS), seen.map { KeystoreStrengthener.keyFor(it) }.toSet())
                seen.clear()
                corridor.unlock(PIN)
                assertTrue(
                    "a PIN attempt uses the PIN key",
                    seen.any { KeystoreStrengthener.keyFor(it) == KeystoreStrengthener.PIN_ALIAS },
                )
            }
        } finally {
            dir.deleteRecursively()
        }
        assertEquals(KeystoreStrengthener.DEVICE_ALIAS, KeystoreStrengthener.keyFor(deviceKeyInputPrefix() + byteArrayOf(1, 2)))
        assertEquals(KeystoreStrengthener.PIN_ALIAS, KeystoreStrengthener.keyFor(deviceKeyInputPrefix().copyOf(5)))
        assertEquals(KeystoreStrengthener.PIN_ALIAS, KeystoreStrengthener.keyFor(ByteArray(0)))
    }
}
