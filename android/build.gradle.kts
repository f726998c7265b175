// Plugin versions for the Android shell (app/build.gradle.kts). Not verified on the build machine.
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.4.21" apply false
}
