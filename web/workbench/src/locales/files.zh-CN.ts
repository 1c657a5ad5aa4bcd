// Messages of the attachment components (FileUpload, AttachmentList), merged into zh-CN.ts.
export const filesZhCN = {
  files: {
    label: "附件",
    add: "上传附件",
    hint: "可上传 JPEG、PNG、HEIC 照片，PDF、Word、Excel 文档，MP4 视频；单个文件不超过 20 MB。手机可直接拍照上传。",
    uploading: "正在上传 {name}",
    failed: "{name} 上传失败：{message}",
    tooLarge: "“{name}”超过 {mb} MB，请压缩或拆分后重新上传",
    remove: "移除",
    open: "打开",
    none: "无附件",
    notStored: "（仅登记，未上传文件）",
    openFailed: "无法打开该附件：文件不存在或您无权查看",
    declaration: "申报材料（责任书、会议纪要等）",
    declarationHint: "上传责任书、前置程序会议纪要等材料。项目上报后附件不能再删除。",
    stageEvidence: "佐证材料（照片、记录）",
    weeklyEvidence: "附件",
  },
};
