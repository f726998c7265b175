@file:Suppress("DEPRECATION") // ShadowAlarmManager.ScheduledAlarm exposes its fields only

package org.corridor.app

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.content.Intent
import java.time.LocalDate
import org.corridor.app.platform.AlarmReceiver
import org.corridor.app.platform.BootReceiver
import org.corridor.ffi.ReminderRequest
import org.corridor.ffi.Reminders
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
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
 * real core through JNA): alarms at the planned times, inexact windows unless exact alarms are
 * granted, the shell's own record, a fired alarm posting the cover text with a covert public
 * version, and a reboot that forgets every alarm, reconciled from the locked plan without the PIN.
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
        assertTrue("inexact windows without the exact-alarm permission", scheduled.all { it.windowLengthMs > 0 })
        assertEquals(plan.map { it.id }.sorted(), app.scheduler.pending().sorted())
        assertEquals("a second reconcile changes nothing", 0u, reminders.reconcile(app.scheduler).let { it.scheduled + it.cancelled })
        assertEquals(plan.size, alarms.scheduledAlarms.size)

        // The explicit test reminder fires: the lock screen gets the cover text only.
        val explicit = plan.first { it.privateBody != null }
        val alarm = scheduled.single { it.triggerAtMs == explicit.fireAtUnix * 1000 && intentOf(it).data?.schemeSpecificPart == explicit.id }
        AlarmReceiver().onReceive(app, intentOf(alarm))
        val posted = shadowOf(app.getSystemService(NotificationManager::class.java)).allNotifications.single()
        assertEquals(Notification.VISIBILITY_PRIVATE, posted.visibility)
        val public = posted.publicVersion!!
        assertEquals(explicit.title, public.extras.getString(Notification.EXTRA_TITLE))
        assertEquals(explicit.body, public.extras.getString(Notification.EXTRA_TEXT))
        assertFalse(revealing.containsMatchIn("${explicit.title} ${explicit.body}"))
        assertEquals(explicit.privateBody, posted.extras.getString(Notification.EXTRA_TEXT))
        val channel = shadowOf(app.getSystemService(NotificationManager::class.java)).notificationChannels
            .map { it as android.app.NotificationChannel }.single()
        assertEquals("Alerts", channel.name.toString())
        assertEquals(Notification.VISIBILITY_PRIVATE, channel.lockscreenVisibility)
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
        assertTrue(inexact.size == 2 && inexact.all { it.windowLengthMs > 0 })
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
            assertNull("nothing explicit while locked", intent.getStringExtra(AlarmReceiver.EXTRA_PRIVATE_BODY))
            assertFalse(revealing.containsMatchIn(intent.getStringExtra(AlarmReceiver.EXTRA_BODY)!!))
        }
        assertEquals(2, app.scheduler.pending().size)

        // Another broadcast of the same boot changes nothing.
        BootReceiver().onReceive(app, Intent(Intent.ACTION_TIMEZONE_CHANGED))
        app.background.submit {}.get()
        assertEquals(2, alarms.scheduledAlarms.size)
    }

    @Test
    fun quickDeleteCancelsEveryAlarm() {
        val reminders = Reminders(app.setUpAndUnlock())
        reminders.add(request("prep_refill", 2, "09:00", explicit = false))
        reminders.reconcile(app.scheduler)
        assertEquals(2, alarms.scheduledAlarms.size)
        app.corridor.vault.quickDelete()
        assertTrue(alarms.scheduledAlarms.isEmpty())
        assertTrue(app.scheduler.pending().isEmpty())
    }
}
