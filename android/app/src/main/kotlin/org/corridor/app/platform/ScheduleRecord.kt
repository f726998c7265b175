package org.corridor.app.platform

import java.io.File

/**
 * The shell's own record of the notifications it handed to AlarmManager, which cannot list
 * them. Only the core's opaque notification ids are kept (one per line), in the app's
 * no-backup directory; they say nothing about what a notification is for. Written whole to a
 * temporary file and renamed, so a crash leaves the old record or the new one.
 */
class ScheduleRecord(private val file: File) {
    @Synchronized
    fun ids(): List<String> =
        if (file.exists()) file.readLines().filter { it.isNotBlank() } else emptyList()

    @Synchronized
    fun add(id: String) {
        val ids = ids()
        if (id !in ids) write(ids + id)
    }

    @Synchronized
    fun remove(id: String) {
        val ids = ids()
        if (id in ids) write(ids - id)
    }

    /** After a reboot AlarmManager holds nothing: forget everything recorded. */
    @Synchronized
    fun clear() {
        file.delete()
    }

    private fun write(ids: List<String>) {
        require(ids.none { '\n' in it || '\r' in it }) { "an id is one line" }
        file.parentFile?.mkdirs()
        val temporary = File(file.path + ".new")
        temporary.writeText(ids.joinToString("\n"))
        if (!temporary.renameTo(file)) {
            temporary.delete()
            error("could not replace the schedule record")
        }
    }
}
