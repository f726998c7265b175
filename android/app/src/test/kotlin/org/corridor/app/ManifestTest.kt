package org.corridor.app

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.w3c.dom.Document
import org.w3c.dom.Element

private const val ANDROID = "http://schemas.android.com/apk/res/android"

fun xml(file: File): Document =
    DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }.newDocumentBuilder().parse(file)

fun Document.elements(tag: String): List<Element> =
    getElementsByTagName(tag).let { nodes -> (0 until nodes.length).map { nodes.item(it) as Element } }

fun Element.android(name: String): String = getAttributeNS(ANDROID, name)

val manifest: Document by lazy { xml(File(appDir, "src/main/AndroidManifest.xml")) }

/** The activity classes the manifest declares (aliases excluded). */
fun declaredActivities(): List<String> = manifest.elements("activity").map { "org.corridor.app" + it.android("name") }

/**
 * Backup, transfer and discretion rules, read from AndroidManifest.xml and the rules it names.
 * Under Robolectric only so that activity classes can be loaded (the framework is its jar).
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class ManifestTest {
    private val application get() = manifest.elements("application").single()

    private fun resourceXml(reference: String): Document {
        assertTrue(reference, reference.startsWith("@xml/"))
        return xml(File(appDir, "src/main/res/xml/${reference.removePrefix("@xml/")}.xml"))
    }

    /** Every domain Android backs up or transfers: the credential-protected ones and the device-protected ones. */
    private val domains = setOf(
        "root", "file", "database", "sharedpref", "external",
        "device_root", "device_file", "device_database", "device_sharedpref",
    )

    private fun excludedDomains(section: Element): Set<String> {
        val includes = section.getElementsByTagName("include").length
        assertEquals("nothing is included in <${section.tagName}>", 0, includes)
        val excludes = section.getElementsByTagName("exclude")
        return (0 until excludes.length).map { excludes.item(it) as Element }
            .filter { it.getAttribute("path") == "." }
            .map { it.getAttribute("domain") }
            .toSet()
    }

    @Test
    fun backupIsDisabledAndEveryDomainExcludedFromCloudAndTransfer() {
        assertEquals("false", application.android("allowBackup"))
        val extraction = resourceXml(application.android("dataExtractionRules"))
        for (section in listOf("cloud-backup", "device-transfer")) {
            val element = extraction.elements(section).single()
            assertEquals(section, domains, excludedDomains(element))
        }
        val fullBackup = resourceXml(application.android("fullBackupContent"))
        assertEquals(domains, excludedDomains(fullBackup.documentElement))
    }

    @Test
    fun theApplicationLabelIsTheCoverAndOnlyCoverAliasesAreExported() {
        assertEquals("@string/app_name", application.android("label"))
        for (activity in manifest.elements("activity")) {
            assertEquals(activity.android("name"), "false", activity.android("exported"))
        }
        val aliases = manifest.elements("activity-alias")
        assertEquals(listOf(".CoverCalculator", ".CoverBudget"), aliases.map { it.android("name") })
        assertEquals("exactly one launcher entry is enabled at install", listOf("true", "false"), aliases.map { it.android("enabled") })
        assertTrue(aliases.all { it.android("targetActivity") == ".CalculatorActivity" })
        assertEquals("false", application.android("usesCleartextTraffic"))
        for (receiver in manifest.elements("receiver").filter { it.android("exported") == "true" }) {
            val actions = receiver.getElementsByTagName("action").let { n -> (0 until n.length).map { (n.item(it) as Element).android("name") } }
            assertTrue("an exported receiver takes only system broadcasts: $actions", actions.all { it.startsWith("android.intent.action.") || it.startsWith("android.app.action.") })
        }
    }

    @Test
    fun everyActivityIsASecureActivityAndEveryScreenIsDeclared() {
        val declared = declaredActivities()
        for (name in declared) {
            assertTrue(name, SecureActivity::class.java.isAssignableFrom(Class.forName(name)))
        }
        val classes = File(appDir, "target/classes")
        val compiled = File(classes, "org/corridor/app").walkTopDown()
            .filter { it.isFile && it.name.endsWith(".class") && '$' !in it.name }
            .map { it.relativeTo(classes).path.removeSuffix(".class").replace(File.separatorChar, '.') }
            .toList()
            .filter { runCatching { Class.forName(it) }.getOrNull()?.let { c -> android.app.Activity::class.java.isAssignableFrom(c) && !java.lang.reflect.Modifier.isAbstract(c.modifiers) } == true }
        assertEquals(compiled.sorted(), declared.sorted())
        assertFalse(declared.isEmpty())
    }
}
