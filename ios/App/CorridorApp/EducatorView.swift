import CorridorAppModel
import SwiftUI
import UIKit

/// Educator mode on a shared tablet.
struct EducatorView: View {
    let model: EducatorViewModel
    let quickExit: () -> Void
    @State private var username = ""
    @State private var password = ""

    var body: some View {
        NavigationStack {
            Form {
                Section(L("educator.profile")) {
                    Text(model.displayName ?? "")
                }
                Section(L("educator.hub")) {
                    if let account = model.account {
                        Text(String(format: L("educator.signedInAs"), account.username))
                    } else {
                        TextField(L("educator.username"), text: $username).textInputAutocapitalization(.never)
                        SecureField(L("educator.password"), text: $password)
                        Button(L("educator.logIn")) {
                            Task {
                                await model.logIn(username: username, password: password, deviceLabel: UIDevice.current.name)
                                password = ""
                            }
                        }
                    }
                }
                Section(L("educator.outbox")) {
                    Text(String(format: L("educator.waiting"), String(model.outbox.count)))
                    Button(L("educator.send")) { Task { await model.send() } }
                }
                if let message = model.message { Text(text(message)) }
            }
            .navigationTitle(L("educator.title"))
            .toolbar { Button(L("common.quickExit"), systemImage: "xmark.circle.fill", action: quickExit) }
            .task { await model.load() }
        }
    }
}
