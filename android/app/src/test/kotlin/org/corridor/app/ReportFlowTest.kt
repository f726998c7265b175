package org.corridor.app

import kotlinx.coroutines.runBlocking
import org.corridor.CorridorVault
import org.corridor.HmacKeyStrengthener
import org.corridor.app.platform.BackgroundSync
import org.corridor.app.presenter.AfterFiling
import org.corridor.app.presenter.FullReportForm
import org.corridor.app.presenter.ReportPresenter
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.OutboxState
import org.corridor.ffi.QuickWant
import org.corridor.ffi.QuickWhen
import org.corridor.ffi.ReportKind
import org.corridor.ffi.ReportState
import org.corridor.ffi.ViolenceKind
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

/**
 * The report screens' presenter over the real library: the programme's content (with a real
 * team key made by `corridor crt keygen`) is published by the CLI and served by a real hub; a
 * quick report in three taps is sealed and queued, the PEP screen comes first when it applies,
 * and the background sync drains the sealed outbox while the app is locked.
 */
class ReportFlowTest {
    private lateinit var programme: ProgrammeContent

    @Before
    fun publishTheProgrammesContent() {
        programme = ProgrammeContent()
    }

    @After
    fun cleanUp() = programme.close()

    @Test
    fun aQuickReportInThreeTapsIsSealedQueuedAndSentWhileLocked() = runBlocking<Unit> {
        CorridorVault.open(programme.phone, HmacKeyStrengthener(ByteArray(32) { 5 })).use { corridor ->
            val vault = corridor.vault
            val session = vault.setupPersonal(PIN)
            val report = ReportPresenter(session)
            // Without the programme's keys nothing can be sealed: the third tap says so, and the
            // choices are kept for another try.
            report.choose(ViolenceKind.SEXUAL)
            report.choose(QuickWhen.TODAY)
            assertThrows(CorridorException.InvalidInput::class.java) { report.choose(QuickWant.URGENT_MEDICAL_HELP) }
            assertTrue(report.quickStep is ReportPresenter.QuickStep.Want)

            programme.install(vault)
            report.setHomeTeam(report.teams().single { it.id == "zimbabwe" }.id)
            report.nearSite = "beitbridge"

            report.startQuick()
            report.choose(ViolenceKind.SEXUAL)
            report.choose(QuickWhen.TODAY)
            val filed = report.choose(QuickWant.URGENT_MEDICAL_HELP)
            assertEquals("PEP comes before anything else", listOf(AfterFiling.URGENCY, AfterFiling.QUEUED), filed.screens)
            assertTrue(filed.urgency.pepUrgent)
            assertEquals("beitbridge", filed.urgency.clinics.first().site.id)
            assertEquals(ReportPresenter.QuickStep.What, report.quickStep)

            val robbery = run {
                report.choose(ViolenceKind.ROBBERY_OR_ECONOMIC)
                report.choose(QuickWhen.EARLIER)
                report.choose(QuickWant.JUST_RECORD_IT)
            }
            assertEquals("no urgency screen when nothing is urgent", listOf(AfterFiling.QUEUED), robbery.screens)

            val full = report.fileFull(
                FullReportForm(
                    kinds = setOf("physical"), daysAgo = 2, who = setOf("client"), help = setOf("counselling"),
                    consent = setOf("statistics_only", "contact_me"), place = "near the \"border\" post",
                    text = "MARKER-app-full-report\nsecond line",
                ),
                System.currentTimeMillis() / 1000,
            )
            assertEquals(listOf(AfterFiling.QUEUED), full.screens)
            val refused = assertThrows(CorridorException.InvalidInput::class.java) {
                report.fileFull(FullReportForm(kinds = emptySet(), daysAgo = 0, consent = setOf("statistics_only")), System.currentTimeMillis() / 1000)
            }
            assertEquals("kinds", refused.field)

            val reports = report.reports()
            assertEquals(setOf(ReportKind.QUICK, ReportKind.FULL), reports.map { it.kind }.toSet())
            assertEquals(3, reports.size)
            assertTrue(reports.all { it.state == ReportState.QUEUED })
            val outbox = vault.outboxItems()
            assertEquals(3, outbox.size)
            assertTrue(outbox.all { it.state == OutboxState.WAITING })
            val stored = programme.phone.walkTopDown().filter { it.isFile }.map { it.readBytes().toString(Charsets.ISO_8859_1) }.joinToString()
            assertFalse("the report is sealed, nowhere readable on the phone", stored.contains("MARKER-app-full-report"))

            // The background job, while the app is locked.
            session.lock()
            Hub(HubSettings(programme.hub.url, emptyList(), emptyList())).use { programmeHub ->
                val summary = BackgroundSync.drain(vault, programmeHub)
                assertEquals(3u, summary.sent)
                assertFalse(BackgroundSync.shouldRetry(summary))
            }
            assertTrue(vault.outboxItems().none { it.state == OutboxState.WAITING })
        }
    }

    @Test
    fun theFullFormBecomesTheJsonTheCoreReads() {
        val json = ReportPresenter.fullReportJson(
            FullReportForm(kinds = setOf("physical"), daysAgo = 1, consent = setOf("contact_me"), text = "a \"quote\" \\ and\ttab"),
            1_000_000,
        )
        assertEquals(
            "{\"kinds\":[\"physical\"],\"when\":{\"type\":\"exact\",\"at\":913600},\"consent\":[\"contact_me\"]," +
                "\"contact\":{\"type\":\"through_peer_educator\"},\"text\":\"a \\\"quote\\\" \\\\ and\\u0009tab\"}",
            json,
        )
    }
}
