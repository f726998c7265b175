package org.corridor

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.QuickWant
import org.corridor.ffi.QuickWhen
import org.corridor.ffi.ReportKind
import org.corridor.ffi.ReportState
import org.corridor.ffi.SafeContact
import org.corridor.ffi.ViolenceKind
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Violence reports through the bindings: a phone with the programme's content (a real team key
 * made with `corridor crt keygen`) files a quick and a full report, sends them to a real hub,
 * and sees them go from queued to sent to received once the coordinator opened them with
 * `corridor crt inbox`.
 */
class ReportsTest {
    private lateinit var phoneDir: File
    private lateinit var testHub: TestHub
    private lateinit var programme: TestProgramme
    private lateinit var teamKey: File

    @BeforeEach
    fun publish() {
        phoneDir = Files.createTempDirectory("corridor-phone").toFile()
        testHub = TestHub()
        programme = TestProgramme(testHub) { source -> teamKey = useZimbabweTeamKey(source, "crt-zimbabwe-kotlin") }
    }

    @AfterEach
    fun cleanUp() {
        programme.close()
        testHub.close()
        phoneDir.deleteRecursively()
    }

    @Test
    fun `a quick and a full report go from queued to received, sealed to the home team`() = runBlocking<Unit> {
        CorridorVault.open(phoneDir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            // Before the programme's keys are on the phone, nothing can be sealed.
            assertThrows<CorridorException.InvalidInput> {
                session.fileQuickReport(ViolenceKind.PHYSICAL, QuickWhen.TODAY, QuickWant.JUST_RECORD_IT, null)
            }
            corridor.vault.trustContentRoot(programme.shippedRoot)
            Hub(HubSettings(programme.contentUrl, emptyList(), emptyList())).use { repository ->
                corridor.vault.updateContent(repository, null)
            }
            assertTrue(session.teams().any { it.id == "zimbabwe" })
            session.setHomeTeam("zimbabwe")
            assertThrows<CorridorException.InvalidInput> { session.setHomeTeam("no-such-team") }

            val quick = session.fileQuickReport(ViolenceKind.SEXUAL, QuickWhen.TODAY, QuickWant.URGENT_MEDICAL_HELP, "beitbridge")
            assertTrue(quick.urgency.pepUrgent, "sexual violence today: PEP first")
            assertEquals("beitbridge", quick.urgency.clinics.first().site.id)
            val now = System.currentTimeMillis() / 1000
            val full = session.fileFullReport(
                """{"kinds":["physical"],"when":{"type":"exact","at":${now - 3 * 86400}},"consent":["statistics_only"],
                   "text":"MARKER-kotlin-report-text"}""",
                null,
                false,
                null,
            )
            assertFalse(full.urgency.pepUrgent)
            assertThrows<CorridorException.InvalidInput> { session.fileFullReport("{\"kinds\":[]}", null, false, null) }
            val queued = session.reports()
            assertEquals(listOf(ReportKind.FULL, ReportKind.QUICK).sorted(), queued.map { it.kind }.sorted())
            assertTrue(queued.all { it.state == ReportState.QUEUED })

            Hub(HubSettings(testHub.url, emptyList(), emptyList())).use { hub ->
                val sent = corridor.vault.sendOutbox(hub, null)
                assertEquals(2u, sent.sent)
                // Offline nothing is confirmed; the hub confirms it has them.
                assertTrue(session.refreshReports(null).all { it.state == ReportState.QUEUED })
                assertTrue(session.refreshReports(hub).all { it.state == ReportState.SENT })

                // The coordinator opens and acknowledges them with the team's key.
                val coordinator = File(programme.work, "coordinator").absolutePath
                val password = mapOf("CORRIDOR_HUB_PASSWORD" to "a coordinator's password")
                testHub.addUser("crt", "zimbabwe", "bo", "a coordinator's password")
                corridor("--data-dir", coordinator, "setup", "--role", "educator", "--name", "Bo", env = mapOf("CORRIDOR_PIN" to PIN))
                corridor("--data-dir", coordinator, "hub", "login", "--hub", testHub.url, "--user", "bo", env = password)
                val opened = corridor("--data-dir", coordinator, "--json", "crt", "inbox", "--key", teamKey.absolutePath, env = programme.passphrase)
                assertTrue(opened.contains("MARKER-kotlin-report-text"), opened)

                val received = session.refreshReports(hub)
                assertTrue(received.all { it.state == ReportState.RECEIVED }, "$received")
            }
            val sos = session.sendSos(SafeContact.ThroughPeerEducator)
            assertTrue(sos.emergencyNumbers.isNotEmpty())
            assertEquals(ReportKind.SOS, session.reports().first { it.reportId == sos.reportId }.kind)
        }
    }
}
