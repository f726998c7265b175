@file:Suppress("DEPRECATION") // ShadowAlarmManager.ScheduledAlarm exposes its fields only

package org.corridor.app

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Intent
import android.net.Uri
import java.io.File
import java.nio.file.Files
import java.time.LocalDate
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.corridor.app.platform.AlarmReceiver
import org.corridor.app.platform.AlarmScheduler
import org.corridor.app.platform.BootReceiver
import org.corridor.app.platform.ScheduleRecord
import org.corridor.ffi.ReminderRequest
import org.corridor.ffi.Reminders
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAlarmManager

/**
 * The core's plan through the shell's AlarmManager scheduler (Robolectric's AlarmManager, the
 * real core through JNA): alarms at the planned times, inexact (allowed while idle) unless exact
 * alarms are granted, the shell's own record, a fired alarm posting only the cover text (even for
 * a reminder whose explicit wording was asked for), a reboot that forgets every alarm, reconciled
 * from the locked plan without the PIN, and erases and unlocks that leave no notification posted.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class AlarmSchedulerTest {
    private val app: TestApp get() = RuntimeEnvironment.getApplication() as TestApp
    private val alarms get() = shadowOf(app.getSystemService(AlarmManager::class.java))
    private val revealing = Regex("(?i)(hiv|prep|pep|clinic|pill|test|health)")

    @Before
    fun noExactAlarms() {
        ShadowAlarmManager.reset()
        ShadowAlarmManager.setCanScheduleExactAlarms(false)
    }

    @After
    fun cleanUp() {
        ShadowAlarmManager.reset()
        app.finish()
    }

    private fun request(kind: String, days: Long, time: String, explicit: Boolean, offsets: List<String> = emptyList()) =
        ReminderRequest(
            kind = kind, at = "${LocalDate.now().plusDays(days)} $time", zone = "Africa/Maputo", every = null, count = null,
            until = null, once = false, offsets = offsets, explicit = explicit, label = null, covertText = null,
        )

    private fun intentOf(alarm: ShadowAlarmManager.ScheduledAlarm): Intent = shadowOf(alarm.operation).savedIntent

    private val notifications get() = shadowOf(app.getSystemService(NotificationManager::class.java))

    /** The PendingIntent of [id]'s alarm if one exists (asking never creates one). */
    private fun existingOperation(id: String): PendingIntent? = PendingIntent.getBroadcast(
        app, 0,
        Intent(app, AlarmReceiver::class.java).setAction(AlarmReceiver.ACTION).setData(Uri.fromParts(AlarmReceiver.SCHEME, id, null)),
        PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_NO_CREATE,
    )

    /** Fires the alarm of the planned notification [id] as AlarmManager would. */
    private fun fire(id: String) {
        val alarm = alarms.scheduledAlarms.first { intentOf(it).data?.schemeSpecificPart == id }
        app.getSystemService(AlarmManager::class.java).cancel(alarm.operation) // a fired alarm is gone
        AlarmReceiver().onReceive(app, intentOf(alarm))
    }

    @Test
    fun thePlanBecomesAlarmsAndAFiredAlarmShowsOnlyCoverTexts() {
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("daily_pill", 1, "21:00", explicit = false, offsets = listOf("at")))
        reminders.add(request("hiv_test", 3, "09:00", explicit = true))
        val plan = reminders.plan(35u)
        assertTrue("a month of pills and a test: ${plan.size}", plan.size > 30)

        val first = reminders.reconcile(app.scheduler)
        assertEquals(plan.size.toUInt(), first.scheduled)
        val scheduled = alarms.scheduledAlarms
        assertEquals(plan.map { it.fireAtUnix * 1000 }.sorted(), scheduled.map { it.triggerAtMs }.sorted())
        assertTrue("wake-up alarms on the wall clock", scheduled.all { it.type == AlarmManager.RTC_WAKEUP })
        assertTrue(
            "inexact, and delivered in Doze, without the exact-alarm permission",
            scheduled.all { it.windowLengthMs != ShadowAlarmManager.WINDOW_EXACT && it.isAllowWhileIdle },
        )
        for (alarm in scheduled) {
            val extras = intentOf(alarm).extras!!
            assertEquals("an alarm carries the id and the cover texts only", setOf(AlarmReceiver.EXTRA_ID, AlarmReceiver.EXTRA_TITLE, AlarmReceiver.EXTRA_BODY), extras.keySet())
        }
        assertEquals(plan.map { it.id }.sorted(), app.scheduler.pending().sorted())
        assertEquals("a second reconcile changes nothing", 0u, reminders.reconcile(app.scheduler).let { it.scheduled + it.cancelled })
        assertEquals(plan.size, alarms.scheduledAlarms.size)

        // The explicit test reminder fires: Android may show any notification whole on the lock
        // screen, so the notification and its public version both carry the cover text only.
        val explicit = plan.first { it.privateBody != null }
        assertTrue("the core has explicit wording for it", explicit.privateBody!!.isNotBlank())
        val alarm = scheduled.single { it.triggerAtMs == explicit.fireAtUnix * 1000 && intentOf(it).data?.schemeSpecificPart == explicit.id }
        AlarmReceiver().onReceive(app, intentOf(alarm))
        val posted = notifications.allNotifications.single()
        for (shown in listOf(posted, posted.publicVersion!!)) {
            assertEquals(explicit.title, shown.extras.getString(Notification.EXTRA_TITLE))
            assertEquals(explicit.body, shown.extras.getString(Notification.EXTRA_TEXT))
            val everything = shown.extras.keySet().joinToString(" ") { "${shown.extras.get(it)}" }
            assertFalse("no explicit wording anywhere in it: $everything", explicit.privateBody!! in everything)
            explicit.privateTitle?.let { assertFalse(everything, it in everything) }
        }
        assertFalse(revealing.containsMatchIn("${explicit.title} ${explicit.body}"))
        val channel = notifications.notificationChannels.map { it as android.app.NotificationChannel }.single()
        assertEquals("Alerts", channel.name.toString())
        assertFalse("a fired alarm is no longer pending", explicit.id in app.scheduler.pending())

        // A removed reminder's alarms are cancelled. (The test fired one early, so the core,
        // finding it no longer pending but still ahead, schedules it again.)
        reminders.remove(reminders.list().first { it.kind == "daily_pill" }.id)
        reminders.reconcile(app.scheduler)
        assertEquals(plan.filter { it.privateBody != null }.map { it.fireAtUnix * 1000 }.sorted(), alarms.scheduledAlarms.map { it.triggerAtMs }.sorted())
    }

    @Test
    fun exactAlarmsOnlyWhenGranted() {
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        reminders.reconcile(app.scheduler)
        val scheduled = alarms.scheduledAlarms
        assertEquals(2, scheduled.size)
        assertTrue("exact and allowed while idle", scheduled.all { it.windowLengthMs == ShadowAlarmManager.WINDOW_EXACT && it.isAllowWhileIdle })
    }

    @Test
    fun grantingExactAlarmsReplacesTheInexactOnes() {
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        reminders.reconcile(app.scheduler)
        val inexact = alarms.scheduledAlarms
        assertTrue(inexact.size == 2 && inexact.all { it.windowLengthMs != ShadowAlarmManager.WINDOW_EXACT })
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        BootReceiver().onReceive(app, Intent(AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED))
        app.background.submit {}.get()
        val exact = alarms.scheduledAlarms
        assertEquals(inexact.map { it.triggerAtMs }.sorted(), exact.map { it.triggerAtMs }.sorted())
        assertTrue(exact.all { it.windowLengthMs == ShadowAlarmManager.WINDOW_EXACT })
        assertEquals(2, app.scheduler.pending().size)
    }

    @Test
    fun afterARebootTheLockedPlanIsScheduledAgainWithoutThePin() {
        val session = app.setUpAndUnlock()
        Reminders(session).add(request("prep_refill", 2, "09:00", explicit = true))
        Reminders(session).reconcile(app.scheduler)
        val before = alarms.scheduledAlarms.map { it.triggerAtMs }.sorted()
        assertEquals("the day before and on the day", 2, before.size)
        app.lockNow()
        assertTrue(session.isLocked())

        // The reboot: AlarmManager remembers nothing (the shell's record on disk survives).
        val manager = app.getSystemService(AlarmManager::class.java)
        alarms.scheduledAlarms.forEach { manager.cancel(it.operation) }
        assertTrue(alarms.scheduledAlarms.isEmpty())
        assertEquals("the shell's record still lists what it had scheduled", 2, app.scheduler.pending().size)

        BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        app.background.submit {}.get()
        val after = alarms.scheduledAlarms
        assertEquals(before, after.map { it.triggerAtMs }.sorted())
        for (alarm in after) {
            val intent = intentOf(alarm)
            assertEquals("the id and the cover texts only", setOf(AlarmReceiver.EXTRA_ID, AlarmReceiver.EXTRA_TITLE, AlarmReceiver.EXTRA_BODY), intent.extras!!.keySet())
            assertFalse(revealing.containsMatchIn(intent.getStringExtra(AlarmReceiver.EXTRA_BODY)!!))
        }
        assertEquals(2, app.scheduler.pending().size)

        // Another broadcast of the same boot changes nothing.
        BootReceiver().onReceive(app, Intent(Intent.ACTION_TIMEZONE_CHANGED))
        app.background.submit {}.get()
        assertEquals(2, alarms.scheduledAlarms.size)
    }

    @Test
    fun quickDeleteCancelsEveryAlarmAndRemovesPostedNotifications() {
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = true))
        reminders.reconcile(app.scheduler)
        assertEquals(2, alarms.scheduledAlarms.size)
        val first = reminders.plan(35u).first()
        fire(first.id)
        assertEquals("one notification showing", 1, notifications.allNotifications.size)
        app.corridor.vault.quickDelete()
        assertTrue(alarms.scheduledAlarms.isEmpty())
        assertTrue(app.scheduler.pending().isEmpty())
        assertTrue("a quick delete leaves no notification posted", notifications.allNotifications.isEmpty())
    }

    @Test
    fun cancellingAnIdRemovesItsPostedNotificationAndCreatesNoPendingIntent() {
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        reminders.reconcile(app.scheduler)
        val (shown, waiting) = reminders.plan(35u).map { it.id }
        fire(shown)
        assertEquals(1, notifications.allNotifications.size)
        app.scheduler.cancel(shown)
        assertTrue("its posted notification is gone", notifications.allNotifications.isEmpty())

        assertNotNull(existingOperation(waiting))
        app.scheduler.cancel(waiting)
        assertNull("the cancelled alarm's PendingIntent is gone too", existingOperation(waiting))
        assertTrue(alarms.scheduledAlarms.isEmpty())
        app.scheduler.cancel("never-scheduled")
        assertNull("cancelling an unknown id creates nothing", existingOperation("never-scheduled"))
    }

    @Test
    fun unlockingClearsPostedNotificationsSoADuressEraseLeavesNone() {
        val session = app.setUpAndUnlock()
        Reminders(session).add(request("prep_refill", 2, "09:00", explicit = false))
        Reminders(session).reconcile(app.scheduler)
        fire(Reminders(session).plan(35u).first().id)
        assertEquals(1, notifications.allNotifications.size)
        app.lockNow()
        app.unlocked(kotlinx.coroutines.runBlocking { app.corridor.vault.unlock(PIN, null) })
        assertTrue(notifications.allNotifications.isEmpty())
    }

    @Test
    fun exactAlarmsRevokedAreNoLongerPendingAndComeBackInexact() {
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        reminders.reconcile(app.scheduler)
        assertEquals(2, app.scheduler.pending().size)
        // Revoking the permission makes Android cancel every exact alarm.
        ShadowAlarmManager.setCanScheduleExactAlarms(false)
        val manager = app.getSystemService(AlarmManager::class.java)
        alarms.scheduledAlarms.forEach { manager.cancel(it.operation) }
        assertTrue("exact alarms are not reported as pending once revoked", app.scheduler.pending().isEmpty())
        assertEquals(2u, reminders.reconcile(app.scheduler).scheduled)
        assertTrue(alarms.scheduledAlarms.size == 2 && alarms.scheduledAlarms.all { it.windowLengthMs != ShadowAlarmManager.WINDOW_EXACT })
    }

    @Test
    fun anExactAlarmRefusedFallsBackToAnInexactOne() {
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        val refusing = object : AlarmScheduler(app, AlarmScheduler.recordIn(app)) {
            override fun setExact(at: Long, operation: PendingIntent) = throw SecurityException("revoked meanwhile")
        }
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        assertEquals(2u, reminders.reconcile(refusing).scheduled)
        val scheduled = alarms.scheduledAlarms
        assertTrue(scheduled.size == 2 && scheduled.all { it.windowLengthMs != ShadowAlarmManager.WINDOW_EXACT && it.isAllowWhileIdle })
        ShadowAlarmManager.setCanScheduleExactAlarms(false)
        assertEquals("recorded as inexact: still pending after a revocation", 2, refusing.pending().size)
    }

    @Test
    fun twoRecordsOfOneFileLoseNoUpdate() {
        val file = File(Files.createTempDirectory("corridor-record").toFile(), "alarms")
        val records = listOf(ScheduleRecord(file), ScheduleRecord(file))
        val pool = Executors.newFixedThreadPool(4)
        val tasks = (0 until 4).map { worker ->
            pool.submit { repeat(40) { records[worker % 2].add("id-$worker-$it") } }
        }
        tasks.forEach { it.get() }
        pool.shutdown()
        pool.awaitTermination(10, TimeUnit.SECONDS)
        assertEquals(160, ScheduleRecord(file).ids().toSet().size)
        file.parentFile.deleteRecursively()
    }
}
