import Testing
import MultiPrecision
import PerplexityTheory

@Suite struct RegionsTests {
    func list(_ texts: [String]) throws -> [BigRational] { try texts.map(exact) }

    @Test("The fast certified table overlaps the generic criticalAccuracy at every point, and is as narrow")
    func fastEqualsGeneric() throws {
        let grid = try RegionsGrid(
            accuracies: list(["0", "0.37", "0.5", "0.9", "1"]),
            gammas: list(["0.01", "0.2", "0.4", "0.49"]),
            shifts: try RegionsGrid.shifts(step: exact("0.125"), through: 1))
        for threads in [1, 2, 3] {
            let fast = try certifiedRegionsTable(grid, precision: 166, threads: threads)
            let slow = try regionsTable(grid) { try! Interval($0, precision: 166) }
            #expect(fast.critical.count == grid.count && slow.critical.count == grid.count)
            for i in 0..<grid.count {
                #expect(fast.critical[i].intersection(slow.critical[i]) != nil, "point \(i): \(fast.critical[i]) vs \(slow.critical[i])")
                #expect(fast.gap(at: i).intersection(slow.gap(at: i)) != nil, "point \(i)")
                #expect(fast.critical[i].width.double() < 1e-45)
            }
        }
    }

    @Test("The fast table contains the mpmath values of Eq. 11")
    func fastAgainstFixtures() throws {
        let rows = try Fixtures.load().rows("critical")
        let grid = try RegionsGrid(
            accuracies: list(Array(Set(rows.map { try $0["accuracy"] })).sorted()),
            gammas: list(Array(Set(rows.map { try $0["gamma"] })).sorted()),
            shifts: list(Array(Set(rows.map { try $0["shift"] })).sorted()))
        let table = try certifiedRegionsTable(grid, precision: bits)
        for row in rows {
            let g = try #require(grid.gammas.firstIndex(of: exact(row["gamma"])))
            let i = try #require(grid.accuracies.firstIndex(of: exact(row["accuracy"])))
            let k = try #require(grid.shifts.firstIndex(of: exact(row["shift"])))
            let index = table.index(gamma: g, accuracy: i, shift: k)
            try expectEncloses(table.critical[index], row["critical"], "\(row)")
            #expect(try (table.gap(at: index) + enclosure(row["accuracy"])).intersection(table.critical[index]) != nil)
        }
    }

    @Test("Grids: exact steps, and out-of-range or empty parameters are refused by name")
    func gridValidation() throws {
        let shifts = try RegionsGrid.shifts(step: exact("0.01"), through: exact("0.99"))
        #expect(try shifts.count == 100 && shifts.last == exact("0.99"))
        #expect(throws: ParameterError(parameter: "shift step", requirement: "> 0", value: "0")) {
            try RegionsGrid.shifts(step: 0, through: 1)
        }
        let bad: [(RegionsGrid, String)] = try [
            (RegionsGrid(accuracies: [2], gammas: list(["0.1"]), shifts: [0]), "accuracy"),
            (RegionsGrid(accuracies: [0], gammas: list(["0.5"]), shifts: [0]), "gamma"),
            (RegionsGrid(accuracies: [0], gammas: list(["0.1"]), shifts: list(["1.01"])), "shift"),
            (RegionsGrid(accuracies: [], gammas: list(["0.1"]), shifts: [0]), "accuracy"),
        ]
        for (grid, name) in bad {
            do {
                _ = try certifiedRegionsTable(grid, precision: 64)
                Issue.record("accepted a bad \(name)")
            } catch let error as ParameterError {
                #expect(error.parameter == name)
            }
        }
    }
}
