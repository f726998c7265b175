package org.corridor.app.platform

import java.io.File

/**
 * The shell's own record of the notifications it handed to AlarmManager, which cannot list
 * them. Only the core's opaque notification ids are kept (one per line, followed by a tab and
 * `x` when the alarm was set exact), in the app's no-backup directory; they say nothing about
 * what a notification is for. Written whole to a temporary file and renamed, so a crash leaves
 * the old record or the new one. Every instance shares one lock, so the scheduler, the alarm
 * receiver and the boot receiver never interleave a read and a write.
 */
class ScheduleRecord(private val file: File) {
    /** One recorded alarm: its id and whether it was set exact. */
    data class Entry(val id: String, val exact: Boolean)

    fun entries(): List<Entry> = synchronized(lock) { read() }

    fun ids(): List<String> = entries().map { it.id }

    fun add(id: String, exact: Boolean = false) = synchronized(lock) {
        val entries = read().filter { it.id != id }
        write(entries + Entry(id, exact))
    }

    fun remove(id: String) = synchronized(lock) {
        val entries = read()
        if (entries.any { it.id == id }) write(entries.filter { it.id != id })
    }

    /** Forgets every exact alarm (Android cancels them all when the exact-alarm permission goes). */
    fun dropExact() = synchronized(lock) {
        val entries = read()
        if (entries.any { it.exact }) write(entries.filter { !it.exact })
    }

    /** After a reboot AlarmManager holds nothing: forget everything recorded. */
    fun clear() = synchronized(lock) {
        file.delete()
        Unit
    }

    private fun read(): List<Entry> =
        if (!file.exists()) emptyList()
        else file.readLines().filter { it.isNotBlank() }.map { line ->
            val parts = line.split('\t')
            Entry(parts[0], parts.getOrNull(1) == EXACT)
        }

    private fun write(entries: List<Entry>) {
        require(entries.none { entry -> entry.id.any { it == '\n' || it == '\r' || it == '\t' } }) { "an id is one line without tabs" }
        file.parentFile?.mkdirs()
        val temporary = File(file.path + ".new")
        temporary.writeText(entries.joinToString("\n") { if (it.exact) "${it.id}\t$EXACT" else it.id })
        if (!temporary.renameTo(file)) {
            temporary.delete()
            error("could not replace the schedule record")
        }
    }

    companion object {
        private const val EXACT = "x"
        /** One lock for every instance: a second instance on the same file cannot race the first. */
        private val lock = Any()
    }
}
