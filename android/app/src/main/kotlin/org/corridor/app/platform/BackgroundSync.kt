package org.corridor.app.platform

import org.corridor.ffi.Hub
import org.corridor.ffi.SyncSummary
import org.corridor.ffi.Vault

/**
 * What the sync job does, apart from Android's job plumbing: drain the sealed outbox to the hub.
 * It needs no PIN (the outbox sits in the device store, sealed), so it runs while the app is
 * locked. Whether to try again is the core's answer: items still waiting and no login needed.
 */
object BackgroundSync {
    suspend fun drain(vault: Vault, hub: Hub): SyncSummary = vault.sendOutbox(hub, null)

    fun shouldRetry(summary: SyncSummary): Boolean = summary.waiting > 0u && !summary.needsLogin
}
