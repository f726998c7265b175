import CorridorAppModel
import CorridorFFI
import SwiftUI

/// Home: the code card (code and QR drawn from the core's modules) and the reminders.
struct HomeView: View {
    let model: HomeViewModel
    @State private var kind = "hiv_test"
    @State private var moment = Date().addingTimeInterval(24 * 3600)

    var body: some View {
        List {
            Section(L("home.codeCard")) {
                if let code = model.clientCode {
                    VStack(spacing: 12) {
                        if let qr = model.qr { QrView(width: Int(qr.width), isDark: model.isDark) }
                        Text(code).font(.system(.title, design: .monospaced))
                        Text(L("home.codeHint")).font(.footnote).foregroundStyle(.secondary)
                    }
                    .frame(maxWidth: .infinity)
                } else {
                    Text(L("home.noCode"))
                }
            }
            Section(L("home.reminders")) {
                if model.reminders.isEmpty { Text(L("home.noReminders")).foregroundStyle(.secondary) }
                ForEach(model.reminders, id: \.id) { reminder in
                    VStack(alignment: .leading) {
                        Text(reminder.label ?? L(HomeViewModel.titleKey(for: reminder)))
                        if reminder.followUp { Text(L("home.followUp")).font(.caption) }
                    }
                    .swipeActions {
                        Button(L("home.done")) { Task { await model.markDone(reminder.id) } }.tint(.green)
                        Button(L("home.missed")) { Task { await model.markMissed(reminder.id) } }.tint(.orange)
                        Button(L("home.snooze")) { Task { await model.snooze(reminder.id, minutes: 60) } }
                    }
                }
            }
            Section(footer: Text(L("home.explicitHint"))) {
                Picker(L("home.kind"), selection: $kind) {
                    ForEach(HomeViewModel.reminderKinds, id: \.self) { kind in
                        Text(L(HomeViewModel.titleKey(forKind: kind))).tag(kind)
                    }
                }
                DatePicker(L("home.when"), selection: $moment, in: Date()...)
                Button(L("home.addReminder")) {
                    Task { await model.addReminder(kind: kind, at: moment, timeZone: .current) }
                }
            }
            if let message = model.message { Text(text(message)).foregroundStyle(.red) }
        }
        .navigationTitle(L("tab.home"))
        .task { await model.load() }
    }
}

/// A QR symbol drawn module by module, with a quiet zone, exactly as the core gives it.
struct QrView: View {
    let width: Int
    let isDark: (Int, Int) -> Bool

    var body: some View {
        Canvas { context, size in
            let cell = min(size.width, size.height) / CGFloat(width + 8)
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            for row in 0..<width {
                for column in 0..<width where isDark(row, column) {
                    let rect = CGRect(x: CGFloat(column + 4) * cell, y: CGFloat(row + 4) * cell, width: cell, height: cell)
                    context.fill(Path(rect), with: .color(.black))
                }
            }
        }
        .frame(width: 220, height: 220)
        .accessibilityLabel(L("home.qr"))
    }
}
