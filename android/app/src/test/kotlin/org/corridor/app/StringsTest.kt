package org.corridor.app

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory
import org.corridor.app.text.Language
import org.corridor.app.text.T
import org.corridor.ffi.covers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.w3c.dom.Element

/**
 * The views are built in code and read the string table; res/values and res/values-pt are what
 * Android Studio and translators see. They must say the same, name for name, in both languages.
 */
class StringsTest {
    /** A strings.xml as Android reads it: XML entities decoded, then `\'` and `\"` unescaped. */
    private fun strings(folder: String): Map<String, String> {
        val file = File(appDir, "src/main/res/$folder/strings.xml")
        val document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
        val nodes = document.getElementsByTagName("string")
        return (0 until nodes.length).associate { index ->
            val element = nodes.item(index) as Element
            element.getAttribute("name") to element.textContent.replace("\\'", "'").replace("\\\"", "\"")
        }
    }

    @Test
    fun theTableAndTheResourcesSayTheSameInEnglishAndPortuguese() {
        val english = strings("values")
        val portuguese = strings("values-pt")
        val names = T.entries.map { it.resourceName }
        assertEquals("res/values names", names.sorted(), english.keys.sorted())
        assertEquals("res/values-pt names", names.sorted(), portuguese.keys.sorted())
        for (entry in T.entries) {
            assertEquals("en ${entry.resourceName}", entry.en, english[entry.resourceName])
            assertEquals("pt ${entry.resourceName}", entry.pt, portuguese[entry.resourceName])
        }
    }

    @Test
    fun formatsTakeTheSameArgumentsInBothLanguages() {
        val placeholder = Regex("%(\\d+)\\$([sd])")
        for (entry in T.entries) {
            val en = placeholder.findAll(entry.en).map { it.value }.toSet()
            val pt = placeholder.findAll(entry.pt).map { it.value }.toSet()
            assertEquals(entry.name, en, pt)
            assertFalse("an unnumbered placeholder in ${entry.name}", Regex("%[sd]").containsMatchIn(entry.en + entry.pt))
        }
        assertEquals("Restam 3 tentativas.", T.err_wrong_pin.text(Language.PT, 3).substringAfter(". "))
    }

    /** The names of the table's strings a Kotlin source uses (`T.name`). */
    private fun usedIn(file: File): Set<String> {
        val names = T.entries.map { it.name }.toSet()
        return Regex("""\bT\.([a-z_]+)""").findAll(file.readText()).map { it.groupValues[1] }.filter { it in names }.toSet()
    }

    /**
     * Every string that can show before unlock, found in the code rather than listed by hand:
     * the strings of each screen that opens without a PIN (`needsUnlock = false`) and of the
     * screen base it builds on, every error message (those screens show core errors through
     * Message), the covers, the notification channel and what the manifest names.
     */
    private fun shownBeforeUnlock(): Set<T> {
        val sources = File(appDir, "src/main/kotlin/org/corridor/app")
        val screens = sources.walkTopDown().filter { it.extension == "kt" && "needsUnlock = false" in it.readText() }.toList()
        val names = mutableSetOf<String>()
        for (file in screens + listOf("SecureActivity.kt", "presenter/Message.kt", "platform/Covers.kt", "platform/Notifications.kt").map { File(sources, it) }) {
            names += usedIn(file)
        }
        names += Regex("@string/([a-z_]+)").findAll(File(appDir, "src/main/AndroidManifest.xml").readText()).map { it.groupValues[1] }
        assertEquals(
            "the screens shown before unlock",
            setOf("CalculatorActivity.kt", "EducatorLoginActivity.kt", "SetupActivity.kt"),
            screens.map { it.name }.toSet(),
        )
        return names.map { T.valueOf(it) }.toSet()
    }

    @Test
    fun whatShowsBeforeUnlockRevealsNothing() {
        val revealing = Regex(
            "(?i)\\b(corridor|hiv|vih|aids|sida|pep|prep|violen|violên|report|relat|denúnci|clinic|clínic|sex|condom|preservativ|" +
                "health|saúde|hospital|rape|violaç|abus|assault|agress|police|políci|pill|comprimido|medic|remédio|treat|tratament|std)\\w*",
        )
        val shown = shownBeforeUnlock()
        for (entry in listOf(T.app_name, T.channel_name, T.setup_title, T.setup_code, T.edu_pick, T.err_wrong_pin, T.err_wait, T.pin_new)) {
            assertTrue("${entry.name} is found among the strings shown before unlock", entry in shown)
        }
        for (entry in shown) {
            val texts = entry.en + " | " + entry.pt
            assertFalse("${entry.name} reveals something before unlock: $texts", revealing.containsMatchIn(texts))
        }
        assertTrue("the list catches what it must", revealing.containsMatchIn(T.report_title.en) && revealing.containsMatchIn("Clínica"))
        assertEquals("the application label is the default cover's", T.cover_calculator.en, T.app_name.en)
        val labels = covers().map { it.appLabel }.toSet()
        assertTrue("the launcher covers are the core's: $labels", T.cover_calculator.en in labels && T.cover_budget.en in labels)
    }
}
