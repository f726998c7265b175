package org.corridor

import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.deviceKeyInputPrefix
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The Android shell keeps two Keystore keys (one for PINs, usable only while the phone is
 * unlocked; one for the device store, usable while locked) and picks by the input's prefix: the
 * core asks for the device store's key with exactly the prefix it exports, and for a PIN never.
 */
class DeviceKeyPrefixTest {
    @Test
    fun `the device store's key is asked for with the exported prefix, a PIN never`() = runBlocking<Unit> {
        val dir = Files.createTempDirectory("corridor-prefix").toFile()
        try {
            val inner = HmacKeyStrengthener(ByteArray(32))
            val seen: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf<ByteArray>())
            val recording = object : KeyStrengthener {
                override fun strengthen(input: ByteArray): ByteArray {
                    seen.add(input.copyOf())
                    return inner.strengthen(input)
                }

                override fun forget() = inner.forget()
            }
            val prefix = deviceKeyInputPrefix()
            assertEquals("corridor/device/v1\u0000", String(prefix, Charsets.US_ASCII))
            fun ByteArray.startsWith(start: ByteArray) = size >= start.size && start.indices.all { this[it] == start[it] }
            CorridorVault.open(dir, recording).use { corridor ->
                corridor.vault.setupPersonal(PIN).lock()
            }
            seen.clear()
            CorridorVault.open(dir, recording).use { corridor ->
                // Locked: what a background job does (the outbox in the device store).
                assertTrue(corridor.vault.outboxItems().isEmpty())
                assertTrue(seen.isNotEmpty(), "the device store's key was asked for")
                assertTrue(seen.all { it.startsWith(prefix) }, "while locked, only device-bound inputs")
                seen.clear()
                corridor.unlock(PIN)
                assertTrue(seen.any { !it.startsWith(prefix) }, "a PIN attempt asks with another input")
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
