import RealModule
import Kernels

/// Statistics for comparing selection metrics across checkpoints (the paper's Fig. 4).
public enum Statistics {
    /// Pearson's correlation coefficient r of two equal-length samples (nil if either is constant).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman's rank correlation: Pearson on average ranks (ties share the mean rank).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        pearson(ranks(x), ranks(y))
    }

    /// Ranks 1…n, ties given their average rank.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var result = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { result[order[k]] = rank }
            i = j + 1
        }
        return result
    }

    /// A percentile bootstrap confidence interval for Pearson's r (resampling pairs), seeded.
    public static func bootstrapPearson(
        _ x: [Double], _ y: [Double], resamples: Int = 2000, confidence: Double = 0.95, seed: UInt64 = 1
    ) -> (lower: Double, upper: Double)? {
        guard x.count == y.count, x.count >= 3, resamples >= 10 else { return nil }
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var xs: [Double] = [], ys: [Double] = []
            for _ in x.indices {
                let k = Int(generator.next() % UInt64(x.count))
                xs.append(x[k])
                ys.append(y[k])
            }
            if let r = pearson(xs, ys) { values.append(r) }
        }
        guard values.count >= 10 else { return nil }
        values.sort()
        let tail = (1 - confidence) / 2
        return (quantile(values, tail), quantile(values, 1 - tail))
    }

    /// The q-quantile of sorted values by linear interpolation (numpy's default).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = Swift.min(low + 1, sorted.count - 1)
        let fraction = position - Double(low)
        return sorted[low] + (sorted[high] - sorted[low]) * fraction
    }

    public static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(Swift.max(x.count, 1)) }

    /// Binary F1 of the positive class 1 (0 when there are no true positives).
    public static func binaryF1(predicted: [Int], actual: [Int]) -> Double {
        var tp = 0, fp = 0, fn = 0
        for (p, a) in zip(predicted, actual) {
            if p == 1 && a == 1 { tp += 1 } else if p == 1 { fp += 1 } else if a == 1 { fn += 1 }
        }
        return tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn)
    }

    /// Micro-averaged F1 over all classes; for single-label predictions it equals the accuracy.
    public static func microF1(predicted: [Int], actual: [Int]) -> Double {
        guard !actual.isEmpty else { return 0 }
        let correct = zip(predicted, actual).filter { $0 == $1 }.count
        // micro precision = micro recall = correct / n, so their harmonic mean is the same.
        return Double(correct) / Double(actual.count)
    }

    /// Brier score of binary predictions: mean (p(1) − y)².
    public static func brier(probabilityOfOne: [Double], actual: [Int]) -> Double {
        mean(zip(probabilityOfOne, actual).map { ($0 - Double($1)) * ($0 - Double($1)) })
    }

    /// Expected calibration error with `bins` equal-width confidence bins: Σ_b (n_b/n)·|acc_b − conf_b|,
    /// where confidence is the probability of the predicted class.
    public static func expectedCalibrationError(confidence: [Double], correct: [Bool], bins: Int = 10) -> Double {
        guard !confidence.isEmpty, bins >= 1 else { return 0 }
        var count = [Int](repeating: 0, count: bins), hits = [Double](repeating: 0, count: bins), sum = [Double](repeating: 0, count: bins)
        for (c, ok) in zip(confidence, correct) {
            let b = Swift.min(Int(c * Double(bins)), bins - 1)
            count[b] += 1
            sum[b] += c
            if ok { hits[b] += 1 }
        }
        var ece = 0.0
        for b in 0..<bins where count[b] > 0 {
            ece += Double(count[b]) / Double(confidence.count) * abs(hits[b] / Double(count[b]) - sum[b] / Double(count[b]))
        }
        return ece
    }

    /// Shannon entropy in nats of a probability vector (0·log 0 = 0). The paper's printed formula
    /// drops the sum over classes; this is the full sum.
    public static func entropy(_ p: [Double]) -> Double {
        -p.reduce(0) { $0 + ($1 > 0 ? $1 * Double.log($1) : 0) }
    }
}
