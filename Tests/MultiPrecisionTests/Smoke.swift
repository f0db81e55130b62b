import Testing
@testable import MultiPrecision
@Test func smoke() throws {
  let x = try BigFloat(parsing: "0.1", precision: 100)
  print(x, try x.decimal(digits: 40, rounding: .down), try x.decimal(digits: 40, rounding: .up))
  let p = try BigFloat.pi(precision: 200)
  print(p, BigFloat.log(p), p * 2, (p * 2).precision, BigFloat(1)/3)
}
