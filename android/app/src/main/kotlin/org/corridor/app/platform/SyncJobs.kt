package org.corridor.app.platform

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import java.util.concurrent.Executors
import java.util.concurrent.Future
import kotlinx.coroutines.runBlocking
import org.corridor.app.CorridorApp

/**
 * Background sync with JobScheduler: a periodic job (every 6 hours, on any network: reports are
 * small and an SOS cannot wait for Wi-Fi) and a one-off job right after something is filed.
 * Both survive reboots (setPersisted; the app holds RECEIVE_BOOT_COMPLETED).
 */
object SyncJobs {
    const val PERIODIC = 71
    const val NOW = 72
    private const val SIX_HOURS = 6 * 60 * 60 * 1000L

    fun schedulePeriodic(context: Context) {
        val jobs = context.getSystemService(JobScheduler::class.java)
        if (jobs.getPendingJob(PERIODIC) != null) return
        jobs.schedule(
            JobInfo.Builder(PERIODIC, ComponentName(context, SyncJobService::class.java))
                .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
                .setPeriodic(SIX_HOURS)
                .setPersisted(true)
                .build(),
        )
    }

    /** Sends what waits as soon as there is a network (after a report or an SOS). */
    fun sendSoon(context: Context) {
        context.getSystemService(JobScheduler::class.java).schedule(
            JobInfo.Builder(NOW, ComponentName(context, SyncJobService::class.java))
                .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
                .setBackoffCriteria(30_000, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
                .setPersisted(true)
                .build(),
        )
    }
}

/** Drains the sealed outbox while the app is locked; no PIN, nothing logged. */
class SyncJobService : JobService() {
    private val worker = Executors.newSingleThreadExecutor()
    private var running: Future<*>? = null

    override fun onStartJob(params: JobParameters): Boolean {
        val app = application as CorridorApp
        running = worker.submit {
            val retry = runCatching {
                val hub = HubConfig.hub(this, app.corridor.vault) ?: return@runCatching false
                hub.use { BackgroundSync.shouldRetry(runBlocking { BackgroundSync.drain(app.corridor.vault, it) }) }
            }.getOrDefault(true)
            jobFinished(params, retry && params.jobId == SyncJobs.NOW)
        }
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        running?.cancel(true)
        return true
    }

    override fun onDestroy() {
        worker.shutdownNow()
        super.onDestroy()
    }
}
