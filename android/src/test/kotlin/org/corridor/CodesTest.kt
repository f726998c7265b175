package org.corridor

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CodeProblemKind
import org.corridor.ffi.CorridorException
import org.corridor.ffi.clientCodeQr
import org.corridor.ffi.generateClientCodes
import org.corridor.ffi.parseClientCode
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class CodesTest {
    private lateinit var dir: File

    @BeforeEach
    fun makeDir() {
        dir = Files.createTempDirectory("corridor-codes").toFile()
    }

    @AfterEach
    fun removeDir() {
        dir.deleteRecursively()
    }

    private fun problemOf(typed: String): CodeProblemKind =
        assertThrows<CorridorException.InvalidCode> { parseClientCode(typed) }.problem

    @Test
    fun `typed codes are read forgivingly and each mistake has its own error`() {
        assertEquals("K7QM-4TX9-B2Q", parseClientCode(" k7qm 4tx9-b2q "))
        assertEquals(CodeProblemKind.INVALID_CHARACTER, problemOf("K7QM-4TX9-B2U"))
        assertEquals(CodeProblemKind.WRONG_LENGTH, problemOf("K7QM-4TX9"))
        assertEquals(CodeProblemKind.CHECK_MISMATCH, problemOf("K7QM-4TX9-B2K"))
        assertEquals(CodeProblemKind.CHECK_MISMATCH, problemOf("K7QM-4TX9-BQ2"))
        val codes = generateClientCodes(20u)
        assertEquals(20, codes.toSet().size)
        codes.forEach { assertEquals(it, parseClientCode(it.lowercase())) }
        assertThrows<CorridorException.InvalidInput> { generateClientCodes(0u) }
    }

    @Test
    fun `the profile shows its code as text, QR modules and SVG`() = runBlocking<Unit> {
        CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val session = corridor.vault.setupPersonal(PIN, "k7qm4tx9b2q")
            assertEquals("K7QM-4TX9-B2Q", session.clientCode())
            val qr = session.clientCodeQr()!!
            assertEquals(qr.width.toInt() * qr.width.toInt(), qr.modules.size)
            assertTrue(qr.svg.startsWith("<svg"))
            assertEquals(qr, clientCodeQr("K7QM-4TX9-B2Q"), "both shells draw the same symbol")
            assertThrows<CorridorException.InvalidCode> { session.adoptClientCode("K7QM-4TX9-B2K") }
        }
    }

    @Test
    fun `export a backup and restore it on a new phone, refusing wrong secrets and damage`() = runBlocking<Unit> {
        val oldDir = File(dir, "old")
        val newDir = File(dir, "new")
        val (secret, backup, code) = CorridorVault.open(oldDir, HmacKeyStrengthener(ByteArray(32) { 1 })).use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            session.settingSet("language", "pt")
            assertFalse(session.hasRecoveryKit())
            assertThrows<CorridorException.InvalidInput> { session.exportBackup() }
            val secret = session.createRecoveryKit()
            assertThrows<CorridorException.InvalidInput> { session.exportBackup() }
            assertThrows<CorridorException.InvalidInput> { runBlocking { session.confirmRecoveryKit("0000-0000-0000-0000-0000-0000-000") } }
            session.confirmRecoveryKit(secret.lowercase())
            assertTrue(session.hasRecoveryKit())
            Triple(secret, session.exportBackup(), session.clientCode()!!)
        }
        CorridorVault.open(newDir, HmacKeyStrengthener(ByteArray(32) { 2 })).use { corridor ->
            val other = "0000-0000-0000-0000-0000-0000-000"
            val wrong = assertThrows<CorridorException.BackupRejected> { runBlocking { corridor.vault.restoreBackup(backup, other, "730184") } }
            assertTrue(wrong.reason.contains("does not open"), wrong.reason)
            val tampered = backup.copyOf().also { it[it.size / 2 + 30] = (it[it.size / 2 + 30].toInt() xor 1).toByte() }
            assertThrows<CorridorException.BackupRejected> { runBlocking { corridor.vault.restoreBackup(tampered, secret, "730184") } }
            val typo = secret.replaceFirst(secret[0], if (secret[0] == 'A') 'B' else 'A')
            assertThrows<CorridorException.InvalidCode> { runBlocking { corridor.vault.restoreBackup(backup, typo, "730184") } }
            assertFalse(corridor.status().setUp)

            val restored = corridor.vault.restoreBackup(backup, secret.lowercase(), "730184")
            assertEquals(code, restored.clientCode())
            assertEquals("pt", restored.settingGet("language"))
            assertNotEquals(PIN, "730184")
            assertTrue(corridor.unlock("730184") is UnlockOutcome.Unlocked)
        }
    }
}
