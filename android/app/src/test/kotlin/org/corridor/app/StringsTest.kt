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

    @Test
    fun whatShowsBeforeUnlockRevealsNothing() {
        val revealing = Regex("(?i)(hiv|vih|prep|pep|clinic|clínica|report|denúncia|violence|violência|health|saúde|sex)")
        for (entry in listOf(T.app_name, T.cover_calculator, T.cover_budget, T.channel_name)) {
            assertFalse(entry.name, revealing.containsMatchIn(entry.en + " " + entry.pt))
        }
        assertEquals("the application label is the default cover's", T.cover_calculator.en, T.app_name.en)
        val labels = covers().map { it.appLabel }.toSet()
        assertTrue("the launcher covers are the core's: $labels", T.cover_calculator.en in labels && T.cover_budget.en in labels)
    }
}
