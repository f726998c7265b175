package org.corridor.app

import android.Manifest
import android.annotation.SuppressLint
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.media.ImageReader
import android.os.Handler
import android.os.HandlerThread
import android.view.Surface
import android.view.TextureView
import android.widget.LinearLayout
import org.corridor.app.platform.QrDecoder
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession

/**
 * Scans a QR code with the back camera (camera2, public SDK only): a preview the person aims
 * with, and frames of 640×480 decoded off the main thread. The text found is returned to the
 * caller, which hands it to the core. Nothing is saved; the camera closes as soon as it reads.
 */
class ScanActivity : SecureActivity() {
    private val decoder = QrDecoder()
    private var thread: HandlerThread? = null
    private var camera: CameraDevice? = null
    private var reader: ImageReader? = null
    private lateinit var preview: TextureView
    @Volatile private var done = false

    override fun create(session: ProfileSession?) {
        column.title(s(T.scan_title))
        preview = TextureView(this)
        column.view(preview).layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, column.dp(360))
        column.button(s(T.back)) { finish() }
        if (!granted()) requestPermissions(arrayOf(Manifest.permission.CAMERA), CAMERA)
    }

    private fun granted() = checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED

    override fun onResume() {
        super.onResume()
        if (::preview.isInitialized && granted() && thread == null && !done) whenPreviewReady { start() }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != CAMERA) return
        if (grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED) {
            if (thread == null) whenPreviewReady { start() }
        } else {
            column.text(s(T.scan_no_permission))
        }
    }

    private fun whenPreviewReady(then: () -> Unit) {
        if (preview.isAvailable) return then()
        preview.surfaceTextureListener = object : TextureView.SurfaceTextureListener {
            override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) = then()
            override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) = Unit
            override fun onSurfaceTextureDestroyed(surface: SurfaceTexture) = true
            override fun onSurfaceTextureUpdated(surface: SurfaceTexture) = Unit
        }
    }

    @SuppressLint("MissingPermission")
    private fun start() {
        if (thread != null || isFinishing) return
        val cameras = getSystemService(CameraManager::class.java)
        val back = cameras.cameraIdList.firstOrNull {
            cameras.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK
        } ?: cameras.cameraIdList.firstOrNull()
        if (back == null) {
            column.text(s(T.scan_no_camera))
            return
        }
        val worker = HandlerThread("scan").also { it.start() }
        thread = worker
        val handler = Handler(worker.looper)
        val frames = ImageReader.newInstance(WIDTH, HEIGHT, ImageFormat.YUV_420_888, 2)
        reader = frames
        frames.setOnImageAvailableListener({ source ->
            val image = source.acquireLatestImage() ?: return@setOnImageAvailableListener
            val text = image.use {
                val plane = it.planes[0]
                val bytes = ByteArray(plane.buffer.remaining()).also { copy -> plane.buffer.get(copy) }
                decoder.decode(bytes, plane.rowStride, it.width, it.height)
            }
            if (text != null && !done) {
                done = true
                runOnUiThread { finishWith(text) }
            }
        }, handler)
        cameras.openCamera(back, object : CameraDevice.StateCallback() {
            override fun onOpened(device: CameraDevice) {
                camera = device
                val texture = preview.surfaceTexture ?: return
                texture.setDefaultBufferSize(WIDTH, HEIGHT)
                val shown = Surface(texture)
                val request = device.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                    addTarget(shown)
                    addTarget(frames.surface)
                    set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
                }.build()
                @Suppress("DEPRECATION")
                device.createCaptureSession(listOf(shown, frames.surface), object : CameraCaptureSession.StateCallback() {
                    override fun onConfigured(session: CameraCaptureSession) {
                        runCatching { session.setRepeatingRequest(request, null, handler) }
                    }

                    override fun onConfigureFailed(session: CameraCaptureSession) {
                        runOnUiThread { column.text(s(T.scan_no_camera)) }
                    }
                }, handler)
            }

            override fun onDisconnected(device: CameraDevice) = device.close()
            override fun onError(device: CameraDevice, error: Int) {
                device.close()
                runOnUiThread { column.text(s(T.scan_no_camera)) }
            }
        }, handler)
    }

    private fun finishWith(text: String) {
        setResult(RESULT_OK, Intent().putExtra(EXTRA_TEXT, text))
        finish()
    }

    override fun onPause() {
        super.onPause()
        camera?.close()
        camera = null
        reader?.close()
        reader = null
        thread?.quitSafely()
        thread = null
    }

    companion object {
        const val EXTRA_TEXT = "text"
        private const val CAMERA = 3
        private const val WIDTH = 640
        private const val HEIGHT = 480
    }
}
