package org.corridor.app

import kotlinx.coroutines.runBlocking
import org.corridor.CorridorVault
import org.corridor.HmacKeyStrengthener
import org.corridor.app.presenter.EducatorPresenter
import org.corridor.ffi.Commodity
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.Service
import org.corridor.ffi.SessionKind
import org.corridor.ffi.SessionState
import org.corridor.ffi.generateClientCodes
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

/**
 * Educator mode's presenter over the real library and a real hub: a session with attendance by
 * code (a code twice is refused), commodities, a referral; closed, then sent after the tablet
 * logs in, after which the tablet keeps no code.
 */
class EducatorPresenterTest {
    private lateinit var programme: ProgrammeContent

    @Before
    fun publish() {
        programme = ProgrammeContent()
    }

    @After
    fun cleanUp() = programme.close()

    @Test
    fun aSessionIsRecordedClosedAndSent() = runBlocking<Unit> {
        CorridorVault.open(programme.phone, HmacKeyStrengthener(ByteArray(32) { 9 })).use { corridor ->
            val vault = corridor.vault
            val educator = EducatorPresenter(vault, vault.setupEducator("Ana", PIN), "en")
            programme.install(vault)
            val module = educator.modules().first().id
            assertTrue(educator.sites().any { it.id == "beitbridge" })

            educator.start("beitbridge", SessionKind.GROUP, listOf(module))
            val (first, second) = generateClientCodes(2u)
            assertEquals(1, educator.attend(first.lowercase().replace("-", " ")))
            assertEquals(2, educator.attend(second))
            assertThrows(CorridorException::class.java) { educator.attend(first) }
            assertThrows(CorridorException.InvalidCode::class.java) { educator.attend("K7QM-4TX9-B2X") }
            assertEquals(10L, educator.give(Commodity.MALE_CONDOMS, 10))
            assertEquals(12L, educator.give(Commodity.MALE_CONDOMS, 2))
            educator.refer(Service.HIV_TESTING, "beitbridge")
            val open = educator.openSession()!!
            assertEquals(listOf(first, second), open.attendees.map { it.code })
            assertEquals(12L, open.session.commodities.single { it.commodity == Commodity.MALE_CONDOMS }.count)

            val closed = educator.close()
            assertEquals(2L, closed.attendees)
            assertNull(educator.openSession())
            assertEquals(SessionState.CLOSED, educator.sessions().single().state)
            assertThrows(CorridorException::class.java) { educator.attend(first) }

            programme.hub.addUser("educator", "beitbridge", "ana", "an educator's password")
            Hub(HubSettings(programme.hub.url, emptyList(), emptyList())).use { hub ->
                educator.login(hub, "ana", "an educator's password", "tablet 1")
                assertTrue(educator.loggedIn())
                val sent = educator.sync(hub)
                assertEquals(1u, sent.sent)
                assertEquals(0u, sent.waiting)
            }
            assertEquals(SessionState.SENT, educator.sessions().single().state)
            assertEquals(0u, educator.numbers(null).waiting)
        }
    }
}
