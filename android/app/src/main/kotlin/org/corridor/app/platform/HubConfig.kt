package org.corridor.app.platform

import android.content.Context
import android.content.pm.PackageManager
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.Vault

/**
 * The programme's hub, as the build sets it in the manifest (`<meta-data>` written by Gradle
 * from the `corridorHubUrl` and `corridorHubPins` properties). A tablet logged in at a hub uses
 * the one it logged in to. Null when the build names no hub: then nothing is sent.
 */
object HubConfig {
    const val URL = "org.corridor.hub.url"
    const val PINS = "org.corridor.hub.pins"

    fun hub(context: Context, vault: Vault): Hub? {
        val meta = context.packageManager.getApplicationInfo(context.packageName, PackageManager.GET_META_DATA).metaData
        val url = runCatching { vault.hubAccount()?.hubUrl }.getOrNull() ?: meta?.getString(URL)?.takeIf { it.isNotBlank() } ?: return null
        val pins = meta?.getString(PINS).orEmpty().split(',').map { it.trim() }.filter { it.isNotEmpty() }
        return Hub(HubSettings(url, pins, emptyList()))
    }

    /** The content root shipped with the app (assets/content-root.json), trusted on first use. */
    fun trustShippedRoot(context: Context, vault: Vault) {
        if (vault.installedContentVersion() != null) return
        val root = runCatching { context.assets.open("content-root.json").use { it.readBytes() } }.getOrNull() ?: return
        vault.trustContentRoot(root)
    }
}
