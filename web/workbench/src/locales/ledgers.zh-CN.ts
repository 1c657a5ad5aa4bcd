export const ledgersZhCN = {
  excel: "导出 Excel",
  print: "打印",
  projects: "项目清单",
  declaration: "申报表",
  problems: "问题清单",
  rectifications: "整改台账",
  visits: "走访台账",
  inspection: "督导检查记录",
};
