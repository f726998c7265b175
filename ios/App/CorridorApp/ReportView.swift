import CorridorAppModel
import CorridorFFI
import SwiftUI

/// Report: three choices, then (when it applies) the PEP urgency screen before anything else.
struct ReportView: View {
    @Bindable var model: ReportViewModel

    var body: some View {
        Group {
            switch model.step {
            case .what:
                choices(L("report.what"), ReportViewModel.violenceKinds, title: violenceTitle) { model.choose($0) }
            case .when:
                choices(L("report.when"), ReportViewModel.whens, title: whenTitle) { model.choose($0) }
            case .wants:
                choices(L("report.wants"), ReportViewModel.wants, title: wantTitle) { want in Task { await model.choose(want) } }
            case .filing:
                ProgressView()
            case .urgency(let submitted):
                UrgencyView(urgency: submitted.urgency, next: model.acknowledgeUrgency)
            case .filed:
                VStack(spacing: 16) {
                    Text(L("report.queued")).font(.headline)
                    Text(L("report.queuedHint")).foregroundStyle(.secondary)
                    Button(L("report.another")) { model.startAgain() }
                }
                .padding()
            case .sosSent(let sos):
                List {
                    Section(L("report.sosSent")) {
                        ForEach(sos.emergencyNumbers, id: \.self) { number in
                            if let url = URL(string: "tel:\(number.filter { $0.isNumber || $0 == "+" })") {
                                Link(number, destination: url)
                            }
                        }
                    }
                    Button(L("report.another")) { model.startAgain() }
                }
            case .failed(let message):
                VStack(spacing: 16) {
                    Text(text(message)).foregroundStyle(.red)
                    Button(L("report.another")) { model.startAgain() }
                }
                .padding()
            }
        }
        .navigationTitle(L("tab.report"))
        .toolbar {
            ToolbarItem(placement: .bottomBar) {
                Button(L("report.sos"), role: .destructive) { Task { await model.sos(contact: .throughPeerEducator) } }
            }
        }
        .task { await model.load() }
    }

    private func choices<Choice: Hashable>(
        _ question: String, _ options: [Choice], title: @escaping (Choice) -> String, choose: @escaping (Choice) -> Void
    ) -> some View {
        List {
            Section(question) {
                ForEach(options, id: \.self) { option in
                    Button(title(option)) { choose(option) }
                }
            }
            if model.step == .what, !model.sites.isEmpty {
                Section(L("report.nearSite")) {
                    Picker(L("report.nearSite"), selection: $model.nearSite) {
                        Text(L("report.noSite")).tag(String?.none)
                        ForEach(model.sites, id: \.id) { site in Text(site.name).tag(Optional(site.id)) }
                    }
                }
            }
            if model.step == .what, !model.reports.isEmpty {
                // States only: the phone never shows (or keeps) what a report said.
                Section(L("report.yours")) {
                    ForEach(model.reports, id: \.reportId) { report in
                        HStack {
                            Text(Date(timeIntervalSince1970: TimeInterval(report.createdAt)), style: .date)
                            Spacer()
                            Text(stateTitle(report.state)).foregroundStyle(.secondary)
                        }
                    }
                    Button(L("report.refresh")) { Task { await model.send() } }
                }
            }
        }
    }

    private func stateTitle(_ state: ReportState) -> String {
        switch state {
        case .queued: return L("report.state.queued")
        case .sent: return L("report.state.sent")
        case .received: return L("report.state.received")
        case .refused: return L("report.state.refused")
        case .notSent: return L("report.state.notSent")
        }
    }

    private func violenceTitle(_ kind: ViolenceKind) -> String {
        switch kind {
        case .physical: return L("report.what.physical")
        case .sexual: return L("report.what.sexual")
        case .emotionalOrVerbal: return L("report.what.emotional")
        case .robberyOrEconomic: return L("report.what.robbery")
        case .arrestOrPoliceHarassment: return L("report.what.police")
        case .refusedService: return L("report.what.refused")
        case .other: return L("report.what.other")
        }
    }

    private func whenTitle(_ when: QuickWhen) -> String {
        switch when {
        case .today: return L("report.when.today")
        case .lastThreeDays: return L("report.when.threeDays")
        case .earlier: return L("report.when.earlier")
        }
    }

    private func wantTitle(_ want: QuickWant) -> String {
        switch want {
        case .urgentMedicalHelp: return L("report.wants.medical")
        case .contactMe: return L("report.wants.contact")
        case .justRecordIt: return L("report.wants.record")
        }
    }
}

/// Shown first after a report when PEP (72 h) or emergency contraception (120 h) is still
/// possible: the hours left and the nearest clinics offering PEP, open ones first.
struct UrgencyView: View {
    let urgency: ReportUrgency
    let next: () -> Void

    var body: some View {
        List {
            Section {
                if urgency.pepUrgent, let hours = urgency.hoursLeftForPep {
                    Text(String(format: L("urgency.pep"), String(hours))).font(.title2.bold()).foregroundStyle(.red)
                }
                if urgency.emergencyContraception, let hours = urgency.hoursLeftForEmergencyContraception {
                    Text(String(format: L("urgency.ec"), String(hours))).font(.headline)
                }
            }
            Section(L("urgency.clinics")) {
                ForEach(urgency.clinics, id: \.site.id) { clinic in
                    VStack(alignment: .leading) {
                        Text(clinic.site.name).font(.headline)
                        Text("\(clinic.site.place) · \(clinic.site.openingHours)").font(.caption)
                        if clinic.openNow == true { Text(L("urgency.openNow")).font(.caption).foregroundStyle(.green) }
                        if let url = URL(string: "tel:\(clinic.site.phone.filter { $0.isNumber || $0 == "+" })") {
                            Link(clinic.site.phone, destination: url)
                        }
                    }
                }
            }
            Button(L("urgency.continue"), action: next)
        }
        .navigationTitle(L("urgency.title"))
    }
}
