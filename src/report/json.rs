use crate::model::Report;

pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    write(report, &mut out).expect("a report serialises into memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] straight into `w` (buffer it): a large report never sits whole in memory.
pub fn write(report: &Report, mut w: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut w, report)?;
    w.write_all(b"\n")
}
