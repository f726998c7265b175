import CorridorAppModel
import CorridorFFI
import SwiftUI

/// Learn: installed modules, search, a module's blocks, quizzes, and content updates.
struct LearnView: View {
    let model: LearnViewModel
    @State private var words = ""

    var body: some View {
        List {
            if model.canUpdate { updateSection }
            if !model.searchHits.isEmpty {
                Section(L("learn.results")) {
                    ForEach(model.searchHits, id: \.id) { hit in
                        Button { Task { await model.open(hit.id) } } label: {
                            VStack(alignment: .leading) {
                                Text(hit.title).font(.headline)
                                Text(hit.snippet).font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
            Section(L("learn.modules")) {
                if model.modules.isEmpty { Text(L("learn.empty")).foregroundStyle(.secondary) }
                ForEach(model.modules, id: \.id) { module in
                    Button { Task { await model.open(module.id) } } label: {
                        HStack {
                            Text(module.title)
                            Spacer()
                            if module.quizzesTotal > 0 {
                                Text("\(module.quizzesCorrect)/\(module.quizzesTotal)").foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
            if let message = model.message { Text(text(message)).foregroundStyle(.red) }
        }
        .searchable(text: $words, prompt: L("learn.search")).privateEntry()
        .onSubmit(of: .search) { Task { await model.search(words) } }
        .navigationTitle(L("tab.learn"))
        .task { await model.load() }
        .sheet(isPresented: Binding(get: { model.openModule != nil }, set: { if !$0 { model.close() } })) {
            if let module = model.openModule { ModuleView(module: module, model: model) }
        }
    }

    @ViewBuilder private var updateSection: some View {
        Section(L("learn.update")) {
            switch model.update {
            case .idle:
                Button(L("learn.check")) { Task { await model.checkForUpdate() } }
            case .checking:
                ProgressView()
            case .offered(let plan):
                Text(String(format: L("learn.offer"), ByteCountFormatter.string(fromByteCount: Int64(plan.bytesToDownload), countStyle: .file)))
                Button(L("learn.download")) { Task { await model.installUpdate() } }
            case .downloading(let done, let total):
                ProgressView(value: total == 0 ? 0 : Double(done) / Double(total))
            case .installed:
                Text(L("learn.installed"))
            case .upToDate:
                Text(L("learn.upToDate"))
            case .failed(let message):
                Text(text(message)).foregroundStyle(.red)
                Button(L("learn.check")) { Task { await model.checkForUpdate() } }
            }
        }
    }
}

/// One module: its blocks drawn as the core gives them (never HTML).
struct ModuleView: View {
    let module: ContentModule
    let model: LearnViewModel

    var body: some View {
        NavigationStack {
            ScrollView {
                VStack(alignment: .leading, spacing: 12) {
                    if module.awaitingClinicalReview {
                        Text(L("learn.awaitingReview")).font(.footnote).foregroundStyle(.orange)
                    }
                    ForEach(module.blocks.indices, id: \.self) { index in
                        BlockView(block: module.blocks[index], model: model)
                    }
                }
                .padding()
            }
            .navigationTitle(module.title)
            .toolbar { Button(L("common.close")) { model.close() } }
        }
    }
}

struct BlockView: View {
    let block: ContentBlock
    let model: LearnViewModel

    var body: some View {
        switch block {
        case .heading(let level, let spans):
            Text(attributed(spans)).font(level <= 1 ? Font.title : (level == 2 ? Font.title2 : Font.title3))
        case .paragraph(let spans):
            Text(attributed(spans))
        case .itemList(let ordered, let items):
            VStack(alignment: .leading, spacing: 4) {
                ForEach(items.indices, id: \.self) { index in
                    Text((ordered ? "\(index + 1). " : "• ") + String(attributed(items[index]).characters))
                }
            }
        case .image(_, let alt):
            Text(alt).italic().foregroundStyle(.secondary)
        case .audio(_, let title):
            Label(title, systemImage: "speaker.wave.2")
        case .callout(let kind, let spans):
            Text(attributed(spans))
                .padding()
                .background(kind == .urgent ? Color.red.opacity(0.15) : Color.yellow.opacity(0.15), in: RoundedRectangle(cornerRadius: 8))
        case .quiz(let quiz):
            QuizView(quiz: quiz, result: model.quizResults[quiz.id]) { chosen in
                Task { await model.answer(quiz: quiz, chosen: chosen) }
            }
        }
    }

    private func attributed(_ spans: [TextSpan]) -> AttributedString {
        spans.reduce(into: AttributedString()) { text, span in
            var part = AttributedString(span.text)
            if span.strong { part.inlinePresentationIntent = .stronglyEmphasized }
            if span.emphasis { part.inlinePresentationIntent = .emphasized }
            // A link is shown (underlined), never followed: a browser would keep it in its history.
            if span.link != nil { part.underlineStyle = .single }
            text += part
        }
    }
}

struct QuizView: View {
    let quiz: QuizInfo
    let result: QuizResult?
    let answer: ([UInt32]) -> Void
    @State private var chosen: Set<UInt32> = []

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(quiz.question).font(.headline)
            ForEach(quiz.choices.indices, id: \.self) { index in
                let choice = UInt32(index)
                Button {
                    if quiz.multiple { chosen.formSymmetricDifference([choice]) } else { chosen = [choice] }
                } label: {
                    Label(quiz.choices[index].text, systemImage: chosen.contains(choice) ? "checkmark.circle.fill" : "circle")
                }
                if let feedback = result?.feedback.first(where: { $0.index == choice }), feedback.chosen {
                    Text(feedback.explanation).font(.caption)
                }
            }
            Button(L("learn.answer")) { answer(chosen.sorted()) }.disabled(chosen.isEmpty)
            if let result { Text(result.correct ? L("learn.correct") : L("learn.notQuite")) }
        }
    }
}
