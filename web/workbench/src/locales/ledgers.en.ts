export const ledgersEn = {
  excel: "Excel",
  print: "Print",
  projects: "Project ledger",
  declaration: "Declaration form",
  problems: "Problem list",
  rectifications: "Rectification ledger",
  visits: "Visit ledger",
  inspection: "Inspection record",
};
