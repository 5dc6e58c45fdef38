//! Writes the spreadsheet seeds: `corpus/xlsx_file/deals.xlsx`, a workbook of deals made by
//! rust_xlsxwriter as Excel would save it (a title row, text, numbers, dates, a formula, a
//! boolean), and `corpus/xlsx_parts/deals.parts`, the same workbook's parts as `xlsx_parts`
//! takes them. Run once: `cargo run --manifest-path fuzz/Cargo.toml --example xlsx_seeds`.

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, XlsxError};
use salescope_fuzz::{PART_SEPARATOR, PARTS};
use std::io::Read;
use std::path::Path;

fn workbook() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("商机")?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    sheet.write_string(0, 0, "2024年7月 商机明细")?;
    let headers = ["商机编号", "销售", "客户", "创建日期", "状态", "金额", "成交日期", "合同编号", "重点"];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *header)?;
    }
    let rows = [
        ("D1", "R001", "K1", (2024, 7, 1), "赢单", 50_000.0, Some((2024, 7, 20)), "HT-1", true),
        ("D2", "李四", "K2", (2024, 7, 3), "进行中", 1_234.5, None, "", false),
        ("D3", "R999", "K3", (2024, 7, 5), "lost", -3.0, Some((2024, 7, 2)), "", false),
    ];
    for (i, (id, rep, customer, created, status, amount, closed, contract, key)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_string(r, 0, *id)?;
        sheet.write_string(r, 1, *rep)?;
        sheet.write_string(r, 2, *customer)?;
        let (y, m, d) = *created;
        sheet.write_datetime_with_format(r, 3, &ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        sheet.write_string(r, 4, *status)?;
        sheet.write_number_with_format(r, 5, *amount, &money)?;
        if let Some((y, m, d)) = *closed {
            sheet.write_datetime_with_format(r, 6, &ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        }
        sheet.write_string(r, 7, *contract)?;
        sheet.write_boolean(r, 8, *key)?;
    }
    sheet.write_formula(6, 5, Formula::new("=SUM(F4:F6)").set_result("51231.5"))?;
    book.save_to_buffer()
}

fn parts(xlsx: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("rust_xlsxwriter writes a zip");
    let mut out = Vec::new();
    for (i, name) in PARTS.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(PART_SEPARATOR);
        }
        if let Ok(mut part) = zip.by_name(name) {
            part.read_to_end(&mut out).expect("reading a part");
        }
    }
    out
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let xlsx = workbook().expect("a workbook");
    for (folder, file, bytes) in [("xlsx_file", "deals.xlsx", xlsx.clone()), ("xlsx_parts", "deals.parts", parts(&xlsx))] {
        std::fs::create_dir_all(corpus.join(folder)).expect("the corpus folder");
        std::fs::write(corpus.join(folder).join(file), bytes).expect("writing a seed");
    }
}
