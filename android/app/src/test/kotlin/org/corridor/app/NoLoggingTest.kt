package org.corridor.app

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Nothing in logcat: no source the app is built from (the app, the library layer, the generated
 * bindings) writes to the log, standard output or standard error, or prints a stack trace.
 */
class NoLoggingTest {
    private val writes = Regex("""android\.util\.Log|\bLog\.[a-z]+\(|\bprintln\(|\bprint\(|printStackTrace|System\.(out|err)|Thread\.setDefaultUncaughtExceptionHandler""")

    @Test
    fun noSourceWritesToTheLog() {
        val roots = listOf(
            File(appDir, "src/main/kotlin"),
            File(appDir, "../src/main/kotlin"),
            File(System.getProperty("uniffi.generated.dir") ?: File(appDir, "../../target/generated-bindings/kotlin").path),
        )
        val sources = roots.flatMap { root -> root.walkTopDown().filter { it.extension == "kt" }.toList() }
        assertTrue("sources found: ${sources.size}", sources.size > 20)
        val found = sources.flatMap { file ->
            file.readLines().mapIndexedNotNull { index, line -> if (writes.containsMatchIn(line)) "${file.name}:${index + 1}: ${line.trim()}" else null }
        }
        assertEquals(emptyList<String>(), found)
    }

    @Test
    fun releaseBuildsStripEveryLogMethodByName() {
        val rules = File(appDir, "proguard-rules.pro").readText()
        val block = Regex("""-assumenosideeffects class android\.util\.Log \{([^}]*)}""").find(rules)?.groupValues?.get(1)
            ?: error("no -assumenosideeffects rule for android.util.Log")
        assertFalse("the methods are listed, not a wildcard", "*;" in block.replace(" ", ""))
        for (method in listOf("v", "d", "i", "w", "e", "wtf", "println", "isLoggable")) {
            assertTrue("Log.$method is stripped", Regex("""\b$method\(""").containsMatchIn(block))
        }
    }
}
