// The Corridor Android shell for Android Studio. The same sources are compiled and tested on the
// build machine with Maven (app/pom.xml, scripts/test-android.sh); this file is not run there.
//
// Before building: the native library for each ABI in ../../target/android-jniLibs (cargo-ndk)
// and the Kotlin bindings in ../../target/generated-bindings/kotlin (scripts/build-bindings.sh);
// docs/android.md gives the commands. Gradle properties (gradle.properties or -P):
//   corridorApplicationId  the id phones and stores see; choose a neutral one (default below)
//   corridorHubUrl         the programme's hub, https (written into the manifest)
//   corridorHubPins        SHA-256 pins of the hub's public key, comma-separated (optional)
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.corridor.app"
    compileSdk = 34

    defaultConfig {
        applicationId = providers.gradleProperty("corridorApplicationId").getOrElse("net.simplecalc.app")
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
        manifestPlaceholders["corridorHubUrl"] = providers.gradleProperty("corridorHubUrl").getOrElse("")
        manifestPlaceholders["corridorHubPins"] = providers.gradleProperty("corridorHubPins").getOrElse("")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    sourceSets {
        getByName("main") {
            kotlin.srcDirs("src/main/kotlin", "../src/main/kotlin", "../../target/generated-bindings/kotlin")
            jniLibs.srcDirs("../../target/android-jniLibs")
        }
        getByName("test") {
            kotlin.srcDirs("src/test/kotlin", "../src/testFixtures/kotlin")
        }
    }

    buildTypes {
        getByName("release") {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // Same pins as app/pom.xml. JNA as an .aar: it carries libjnidispatch.so for each ABI.
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2")
    implementation("com.google.zxing:core:3.5.4")

    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.17")
}
