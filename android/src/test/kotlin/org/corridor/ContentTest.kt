package org.corridor

import java.io.File
import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.ContentBlock
import org.corridor.ffi.ContentProgressListener
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Content through the bindings: editors publish the starter content with the real CLI, a real
 * hub serves it, and the Kotlin layer trusts the root, checks, updates (with progress), lists,
 * shows, searches and answers a quiz.
 */
class ContentTest {
    private lateinit var phoneDir: File
    private lateinit var testHub: TestHub
    private lateinit var programme: TestProgramme

    @BeforeEach
    fun publish() {
        phoneDir = Files.createTempDirectory("corridor-phone").toFile()
        testHub = TestHub()
        programme = TestProgramme(testHub)
    }

    @AfterEach
    fun cleanUp() {
        programme.close()
        testHub.close()
        phoneDir.deleteRecursively()
    }

    @Test
    fun `a phone updates from the repository, reads, searches and answers a quiz`() = runBlocking<Unit> {
        CorridorVault.open(phoneDir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            val shippedRoot = programme.shippedRoot
            assertEquals(1uL, corridor.vault.trustContentRoot(shippedRoot))
            assertThrows<CorridorException.ContentRejected> { corridor.vault.trustContentRoot("{}".toByteArray()) }

            Hub(HubSettings(programme.contentUrl, emptyList(), emptyList())).use { repository ->
                val plan = corridor.vault.checkContent(repository)
                assertFalse(plan.upToDate)
                assertEquals(20u, plan.modulesAdded)
                assertTrue(plan.bytesToDownload > 0u)

                val seen = Collections.synchronizedList(mutableListOf<Pair<ULong, ULong>>())
                val listener = object : ContentProgressListener {
                    override fun progress(doneBytes: ULong, totalBytes: ULong) {
                        seen.add(doneBytes to totalBytes)
                    }
                }
                val outcome = corridor.vault.updateContent(repository, listener)
                assertEquals(20u, outcome.modulesInstalled)
                assertEquals(plan.bytesToDownload, outcome.bytesDownloaded)
                assertTrue(seen.size >= 2, "progress callbacks arrive")
                assertEquals(plan.bytesToDownload, seen.last().first)
                assertTrue(seen.zipWithNext().all { (a, b) -> a.first <= b.first }, "progress never goes back")
                assertTrue(corridor.vault.checkContent(repository).upToDate)
            }
            assertEquals(1uL, corridor.vault.installedContentVersion())
            val sites = session.sites()
            assertFalse(sites.outOfDate)
            assertTrue(sites.sites.any { it.id == "beitbridge" && it.offersPep })

            val english = session.contentModules("en")
            assertEquals(10, english.size)
            val pep = session.contentModule("pep", "pt")
            assertTrue(pep.awaitingClinicalReview)
            assertTrue(pep.blocks.any { it is ContentBlock.Callout })
            assertTrue(pep.sources.isNotEmpty())

            val hits = session.contentSearch("preservativo", "pt")
            assertTrue(hits.any { it.id == "condoms-and-lubricant" }, "$hits")
            assertTrue(session.contentSearch("zzzqqq", "pt").isEmpty())

            val quiz = session.contentModule("pep", "en").blocks.filterIsInstance<ContentBlock.Quiz>().first().quiz
            val right = quiz.choices.indexOfFirst { it.correct }.toUInt()
            val wrong = if (right == 0u) 1u else 0u
            assertFalse(session.answerQuiz("pep", "en", quiz.id, listOf(wrong)).correct)
            val result = session.answerQuiz("pep", "en", quiz.id, listOf(right))
            assertTrue(result.correct)
            assertEquals(1u, result.quizzesCorrect)
            assertEquals(1u, session.contentModules("en").first { it.id == "pep" }.quizzesCorrect)
            assertThrows<CorridorException.InvalidInput> { session.answerQuiz("pep", "en", quiz.id, listOf(99u)) }
            assertThrows<CorridorException.InvalidInput> { session.contentModule("no-such-module", "en") }
        }
    }
}
