// Android Studio / Gradle entry point for the Corridor Android shell (not run on the build
// machine, which compiles and tests the app with Maven: scripts/test-android.sh). See docs/android.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "corridor-android"
include(":app")
