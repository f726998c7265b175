package org.corridor

import java.io.File
import java.nio.file.Files
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Hub
import org.corridor.ffi.HubRole
import org.corridor.ffi.HubSettings
import org.corridor.ffi.ReportDelivery
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The hub through the bindings, against a real `corridor hub serve` process on loopback: the
 * shells' calls for health, a tablet's login, backups at the hub and report status.
 */
class HubTest {
    private lateinit var dir: File
    private lateinit var testHub: TestHub
    private val url: String get() = testHub.url

    @BeforeEach
    fun startHub() {
        dir = Files.createTempDirectory("corridor-hub-client").toFile()
        testHub = TestHub()
    }

    @AfterEach
    fun stopHub() {
        testHub.close()
        dir.deleteRecursively()
    }

    private fun hub(): Hub = Hub(HubSettings(url, emptyList(), emptyList()))

    private fun addUser(role: String, site: String, name: String) = testHub.addUser(role, site, name, PASSWORD)

    @Test
    fun `the hub answers, and plain http is refused except to this device`() = runBlocking<Unit> {
        hub().use { hub ->
            val health = hub.health()
            assertEquals("ok", health.status)
            assertEquals(1u, health.protocol)
            assertEquals(ReportDelivery.NOT_RECEIVED, hub.reportStatus(UUID.randomUUID().toString()))
            assertThrows<CorridorException.InvalidInput> { hub.reportStatus("not a report id") }
        }
        assertThrows<CorridorException.InvalidInput> { Hub(HubSettings("http://hub.example.org", emptyList(), emptyList())) }
        assertThrows<CorridorException.InvalidInput> { Hub(HubSettings(url, listOf("abc"), emptyList())) }
        // Nothing listens on port 9 here: a network error that may pass, not a crash.
        Hub(HubSettings("http://127.0.0.1:9", emptyList(), emptyList())).use { nowhere ->
            val failure = assertThrows<CorridorException.Network> { nowhere.health() }
            assertTrue(failure.retryable)
        }
    }

    @Test
    fun `a tablet logs in once, keeps its account, and a wrong password is a refusal with its code`() = runBlocking<Unit> {
        addUser("educator", "beitbridge", "ana")
        CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            corridor.vault.setupEducator("Ana", PIN).lock()
            hub().use { hub ->
                val refused = assertThrows<CorridorException.HubRefused> {
                    corridor.vault.hubLogin(hub, "ana", "not the password", "tablet 1")
                }
                assertEquals("unauthorized", refused.code)
                assertEquals(401u.toUShort(), refused.status)
                assertNull(corridor.vault.hubAccount())

                val account = corridor.vault.hubLogin(hub, "ana", PASSWORD, "tablet 1")
                assertEquals(HubRole.EDUCATOR, account.role)
                assertEquals(listOf("beitbridge"), account.sites)
                assertEquals(account, corridor.vault.hubAccount(), "the login survives without the PIN")

                val summary = corridor.vault.sendOutbox(hub, null)
                assertEquals(0u, summary.sent)
                assertFalse(summary.needsLogin)
                assertTrue(corridor.vault.outboxItems().isEmpty())

                assertTrue(corridor.vault.hubLogout(hub))
                assertNull(corridor.vault.hubAccount())
                assertFalse(corridor.vault.hubLogout(null))
            }
        }
    }

    @Test
    fun `a backup pushed to the hub restores a new phone from the recovery secret alone`() = runBlocking<Unit> {
        hub().use { hub ->
            var code = ""
            var secret = ""
            CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
                val session = corridor.vault.setupPersonal(PIN)
                code = session.clientCode()!!
                assertThrows<CorridorException.InvalidInput> { session.pushBackup(hub) }
                secret = session.createRecoveryKit()
                session.confirmRecoveryKit(secret)
                session.settingSet("language", "pt")
                val stored = session.pushBackup(hub)
                assertTrue(stored.size > 0u)
            }
            val newPhone = Files.createTempDirectory("corridor-new-phone").toFile()
            try {
                CorridorVault.open(newPhone, HmacKeyStrengthener(ByteArray(32) { 7 })).use { corridor ->
                    val restored = corridor.vault.restoreFromHub(hub, secret, "135790")
                    assertEquals(code, restored.clientCode())
                    assertEquals("pt", restored.settingGet("language"))
                    assertTrue(restored.deleteBackupAtHub(hub))
                    assertFalse(restored.deleteBackupAtHub(hub))
                }
                val another = Files.createTempDirectory("corridor-another-phone").toFile()
                try {
                    CorridorVault.open(another, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
                        assertThrows<CorridorException.BackupRejected> {
                            corridor.vault.restoreFromHub(hub, secret, "135790")
                        }
                        assertFalse(corridor.vault.status().setUp)
                    }
                } finally {
                    another.deleteRecursively()
                }
            } finally {
                newPhone.deleteRecursively()
            }
        }
    }

    private companion object {
        const val PASSWORD = "a long enough password"
    }
}
