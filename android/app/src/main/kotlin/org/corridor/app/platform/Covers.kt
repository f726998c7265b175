package org.corridor.app.platform

import android.content.ComponentName
import android.content.Context
import android.content.pm.PackageManager
import org.corridor.app.text.T

/**
 * The launcher icon follows the chosen cover: one activity-alias per cover in the manifest
 * (`.CoverCalculator`, `.CoverBudget`), named after the core's `icon_name`; exactly one is
 * enabled. The `<application>` label stays the default cover's name.
 */
object Covers {
    private val aliases = mapOf("calculator" to "CoverCalculator", "budget" to "CoverBudget")

    fun label(iconName: String): T = if (iconName == "budget") T.cover_budget else T.cover_calculator

    fun applyLauncher(context: Context, iconName: String) {
        val wanted = aliases[iconName] ?: return
        val packages = context.packageManager
        // Enable the new one first, so there is never a moment without a launcher entry.
        for ((_, alias) in aliases.entries.sortedBy { it.value != wanted }) {
            val state = if (alias == wanted) PackageManager.COMPONENT_ENABLED_STATE_ENABLED else PackageManager.COMPONENT_ENABLED_STATE_DISABLED
            packages.setComponentEnabledSetting(ComponentName(context.packageName, "org.corridor.app.$alias"), state, PackageManager.DONT_KILL_APP)
        }
    }
}
