package org.corridor

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CorridorException
import org.corridor.ffi.NotificationScheduler
import org.corridor.ffi.ReminderRequest
import org.corridor.ffi.Reminders
import org.corridor.ffi.ScheduledNotification
import org.corridor.ffi.encodeHandover
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** A host scheduler written in Kotlin that records every call, as the Android shell's would. */
class RecordingScheduler(private val limit: UInt, private val canList: Boolean = true) : NotificationScheduler {
    val pending = linkedMapOf<String, ScheduledNotification>()
    val calls = mutableListOf<String>()

    override fun schedule(notification: ScheduledNotification) {
        calls += "schedule ${notification.id}"
        pending[notification.id] = notification
    }

    override fun cancel(id: String) {
        calls += "cancel $id"
        pending.remove(id)
    }

    override fun pending(): List<String>? = if (canList) pending.keys.toList() else null

    override fun maxPending(): UInt = limit
}

/** A local date and time [days] from today, as the core takes it. */
fun inDays(days: Long, time: String): String = "${java.time.LocalDate.now().plusDays(days)} $time"

class RemindersTest {
    private lateinit var dir: File

    @BeforeEach
    fun makeDir() {
        dir = Files.createTempDirectory("corridor-reminders").toFile()
    }

    @AfterEach
    fun removeDir() {
        dir.deleteRecursively()
    }

    private fun request(kind: String, at: String, explicit: Boolean = false, offsets: List<String> = emptyList()) =
        ReminderRequest(kind = kind, at = at, zone = "Africa/Maputo", every = null, count = null, until = null,
            once = false, offsets = offsets, explicit = explicit, label = null, covertText = null)

    @Test
    fun `the Kotlin scheduler receives exactly the expected calls and a second reconcile makes none`() = runBlocking<Unit> {
        CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val reminders = Reminders(corridor.vault.setupPersonal(PIN))
            val pill = reminders.add(request("daily_pill", inDays(1, "21:00"), offsets = listOf("at")))
            reminders.add(request("hiv_test", inDays(3, "09:00"), explicit = true))
            val expected = reminders.plan(35u)
            assertTrue(expected.size > 30, "a month of daily pills and a test: ${expected.size}")
            val scheduler = RecordingScheduler(limit = 64u)
            val first = reminders.reconcile(scheduler)
            assertEquals(expected.size.toUInt(), first.scheduled)
            assertEquals(expected.map { "schedule ${it.id}" }, scheduler.calls)
            scheduler.calls.clear()
            val second = reminders.reconcile(scheduler)
            assertEquals(0u, second.scheduled + second.cancelled)
            assertTrue(scheduler.calls.isEmpty(), "a second reconcile makes no call")

            val revealing = Regex("(?i)(hiv|prep|clinic|pill|test|health)")
            for (notification in scheduler.pending.values) {
                assertFalse(revealing.containsMatchIn(notification.title + " " + notification.body), notification.body)
            }
            val named = scheduler.pending.values.mapNotNull { it.privateBody }
            assertTrue(named.isNotEmpty() && named.all { it.contains("HIV test") }, "explicit text for unlocked only: $named")

            reminders.remove(pill.id)
            reminders.reconcile(scheduler)
            assertTrue(scheduler.calls.all { it.startsWith("cancel") } && scheduler.calls.isNotEmpty())

            val small = RecordingScheduler(limit = 1u)
            reminders.reconcile(small)
            assertEquals(1, small.pending.size, "never more than the host's limit")
        }
    }

    @Test
    fun `after a reboot the locked plan reaches the scheduler without the PIN`() = runBlocking<Unit> {
        CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            Reminders(session).add(request("prep_refill", inDays(2, "09:00"), explicit = true))
            session.lock()
            val booted = RecordingScheduler(limit = 64u, canList = false)
            assertEquals(2u, corridor.vault.reconcileLocked(booted).scheduled, "the day before and on the day")
            assertTrue(booted.pending.values.all { it.privateBody == null }, "nothing explicit while locked")
            booted.calls.clear()
            assertEquals(0u, corridor.vault.reconcileLocked(booted).scheduled)
            assertTrue(booted.calls.isEmpty())
        }
    }

    @Test
    fun `a clinic hand-over imports, and bad input is refused`() = runBlocking<Unit> {
        CorridorVault.open(dir, HmacKeyStrengthener(ByteArray(32))).use { corridor ->
            val reminders = Reminders(corridor.vault.setupPersonal(PIN))
            val payload = encodeHandover("contraceptive_injection", inDays(20, "08:30"), 17u)
            assertTrue(payload.all { it.isDigit() || it == '-' }, payload)
            val imported = reminders.importHandover(payload, "Africa/Maputo")
            assertEquals("contraceptive_injection", imported.kind)
            assertEquals(17u, imported.site)
            val bad = assertThrows<CorridorException.InvalidInput> { reminders.importHandover("https://x.example/1", "Africa/Maputo") }
            assertEquals("payload", bad.field)
            assertThrows<CorridorException.InvalidInput> { reminders.add(request("vitamins", "2099-01-01 09:00")) }
            assertThrows<CorridorException.InvalidInput> { reminders.setCovertTexts(listOf("Your PrEP is due")) }
            val followUp = reminders.markMissed(imported.id)
            assertNotNull(followUp)
            assertTrue(followUp!!.followUp, "a missed appointment gets a gentle follow-up")
            assertEquals(2, reminders.list().size)
        }
    }
}
