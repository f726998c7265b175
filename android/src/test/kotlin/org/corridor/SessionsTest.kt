package org.corridor

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.AgeBand
import org.corridor.ffi.CodeProblemKind
import org.corridor.ffi.Commodity
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Gender
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.Service
import org.corridor.ffi.SessionKind
import org.corridor.ffi.SessionState
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * A peer educator's group session through the bindings, on an educator profile of a tablet that
 * installed the programme's content from a real hub: record attendees by code, walk-ins,
 * commodities and a referral, close, sync, and find the hub's reach counting the people while the
 * tablet keeps only counts.
 */
class SessionsTest {
    private lateinit var tabletDir: File
    private lateinit var testHub: TestHub
    private lateinit var programme: TestProgramme

    @BeforeEach
    fun publish() {
        tabletDir = Files.createTempDirectory("corridor-tablet").toFile()
        testHub = TestHub()
        programme = TestProgramme(testHub)
        testHub.addUser("educator", "beitbridge", "tablet-1", PASSWORD)
    }

    @AfterEach
    fun cleanUp() {
        programme.close()
        testHub.close()
        tabletDir.deleteRecursively()
    }

    @Test
    fun `a session is recorded by code, synced, and leaves only counts on the tablet`() = runBlocking<Unit> {
        val codes = corridor("code", "new", "--count", "3").lines().filter { it.isNotBlank() }
        CorridorVault.open(tabletDir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val thandi = corridor.vault.setupEducator("Thandi", PIN)
            corridor.vault.trustContentRoot(programme.shippedRoot)
            Hub(HubSettings(programme.contentUrl, emptyList(), emptyList())).use { repository ->
                corridor.vault.updateContent(repository, null)
            }

            assertThrows<CorridorException.InvalidInput> { thandi.startSession("lebombo", SessionKind.GROUP, emptyList()) }
            val id = thandi.startSession("beitbridge", SessionKind.GROUP, listOf("pep"))
            assertEquals(1u, thandi.attendSession(codes[0].lowercase(), Gender.FEMALE, AgeBand.FROM18_TO24))
            assertEquals(2u, thandi.attendSession(codes[1], Gender.TRANSGENDER, null))
            val twice = assertThrows<CorridorException.InvalidInput> { thandi.attendSession(codes[0], null, null) }
            assertEquals("code", twice.field)
            val mistyped = assertThrows<CorridorException.InvalidCode> { thandi.attendSession("K7QM-4TX9-B2X", null, null) }
            assertEquals(CodeProblemKind.CHECK_MISMATCH, mistyped.problem)
            assertEquals(2L, thandi.addWalkIns(Gender.MALE, AgeBand.FROM25_TO29, 2L))
            assertEquals(40L, thandi.addCommodity(Commodity.MALE_CONDOMS, 40L))
            assertThrows<CorridorException.InvalidInput> { thandi.addCommodity(Commodity.LUBRICANT, -1L) }
            thandi.addReferral(Service.PREP, "beitbridge")
            thandi.addQuizResult("pep", 5L, 4L)

            val open = thandi.openSession()!!
            assertEquals(id, open.session.id)
            assertEquals(listOf(codes[0], codes[1]), open.attendees.map { it.code })

            // Not logged in yet: closed, waiting for the hub's key.
            val closed = thandi.closeSession()
            assertEquals(SessionState.CLOSED, closed.state)
            assertEquals(2L, closed.attendees)
            assertThrows<CorridorException.InvalidInput> { thandi.attendSession(codes[2], null, null) }
            assertNull(thandi.openSession())

            Hub(HubSettings(testHub.url, emptyList(), emptyList())).use { hub ->
                corridor.vault.hubLogin(hub, "tablet-1", PASSWORD, "tablet 1")
                val synced = thandi.syncSessions(hub)
                assertEquals(1u, synced.queued)
                assertEquals(1u, synced.sent)
                assertEquals(0u, synced.waiting)
            }
            val sent = thandi.educatorSessions().single()
            assertEquals(SessionState.SENT, sent.state)
            assertEquals(2L, sent.attendees, "the counts stay")
            val numbers = thandi.educatorNumbers(null)
            assertEquals(1u, numbers.sessions)
            assertEquals(2L, numbers.walkIns)
            assertEquals(0u, numbers.waiting)
            assertThrows<CorridorException.InvalidInput> { thandi.educatorNumbers("November") }

            val maria = corridor.vault.setupEducator("Maria", "730184")
            assertTrue(maria.educatorSessions().isEmpty(), "another educator sees none of Thandi's sessions")
        }
        for (code in codes) {
            val found = tabletDir.walkTopDown().filter { it.isFile && it.readBytes().toString(Charsets.ISO_8859_1).contains(code) }
            assertTrue(found.none(), "a client code in a file of the tablet: ${found.toList()}")
        }
        val month = java.time.LocalDate.now(java.time.ZoneOffset.ofHours(2)).toString().substring(0, 7)
        val reach = corridor("hub", "reach", "--data", testHub.dataDir.absolutePath, "--month", month, "--site", "beitbridge", "--csv")
        val header = reach.lines().first().split(",")
        val rows = reach.lines().drop(1).filter { it.isNotBlank() }.map { line -> header.zip(line.split(",")).toMap() }
        val people = rows.filter { it["site"] == "beitbridge" }.sumOf { it.getValue("first_time").toInt() + it.getValue("returning").toInt() }
        assertEquals(2, people, reach)
    }

    private companion object {
        const val PASSWORD = "a long enough password"
    }
}
