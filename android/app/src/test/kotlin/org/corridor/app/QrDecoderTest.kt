package org.corridor.app

import org.corridor.app.platform.QrDecoder
import org.corridor.ffi.QrSymbol
import org.corridor.ffi.clientCodeQr
import org.corridor.ffi.generateClientCodes
import org.corridor.ffi.parseClientCode
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertThrows
import org.junit.Test

/**
 * The scanner's decoding of camera frames: the core's own QR symbol for a client code, drawn
 * into a 640×480 luminance plane as a camera would deliver it (row stride wider than the image,
 * grey background, uneven lighting), is read back and accepted by the core as the same code.
 */
class QrDecoderTest {
    private val width = 640
    private val height = 480
    private val stride = 704

    /** A camera-like Y plane with [symbol] drawn [scale] pixels per module at ([left], [top]). */
    private fun frame(symbol: QrSymbol?, scale: Int = 5, left: Int = 150, top: Int = 90): ByteArray {
        val plane = ByteArray(stride * height)
        for (y in 0 until height) {
            for (x in 0 until width) {
                plane[y * stride + x] = (150 + (x + y) / 30).coerceAtMost(220).toByte() // light falls off across the page
            }
        }
        symbol ?: return plane
        val modules = symbol.width.toInt()
        val quiet = 4
        for (row in -quiet until modules + quiet) {
            for (column in -quiet until modules + quiet) {
                val dark = row in 0 until modules && column in 0 until modules && symbol.modules[row * modules + column]
                for (dy in 0 until scale) for (dx in 0 until scale) {
                    val x = left + (column + quiet) * scale + dx
                    val y = top + (row + quiet) * scale + dy
                    plane[y * stride + x] = (if (dark) 30 else 235).toByte()
                }
            }
        }
        return plane
    }

    @Test
    fun theCoresSymbolIsReadBackAsTheSameCode() {
        for (code in generateClientCodes(5u)) {
            val read = QrDecoder().decode(frame(clientCodeQr(code)), stride, width, height)
            assertEquals(code, parseClientCode(read!!))
        }
    }

    @Test
    fun aFrameWithoutACodeGivesNothingAndABadFrameIsRefused() {
        assertNull(QrDecoder().decode(frame(null), stride, width, height))
        assertThrows(IllegalArgumentException::class.java) { QrDecoder().decode(ByteArray(100), stride, width, height) }
    }
}
