; Inno Setup script for Amethyst (per-user install, no administrator rights). NOT RUN HERE: built on
; Windows after the PyInstaller bundle (dist\amethyst) and the icons (build\icons\amethyst.ico) exist:
;   python installer\icons.py build\icons
;   python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\pyinstaller\amethyst.spec
;   for /f %v in ('python -c "from importlib.metadata import version; print(version('amethyst'))"') do ^
;     iscc /DAppVersion=%v installer\windows\amethyst.iss
; Signing: pass /S"signtool=signtool sign /fd sha256 /a $f" and uncomment SignTool below when a code-signing
; certificate is installed; without one the installer is built unsigned.
#ifndef AppVersion
  #error Pass the version from the package metadata: iscc /DAppVersion=X.Y.Z amethyst.iss
#endif

[Setup]
AppId={{6F1B7C0E-5A0C-4C55-9E83-4D3E7A1F0001}
AppName=Amethyst
AppVersion={#AppVersion}
AppPublisher=Amethyst
DefaultDirName={localappdata}\Programs\Amethyst
DefaultGroupName=Amethyst
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=amethyst-{#AppVersion}-windows-setup
SetupIconFile=..\..\build\icons\amethyst.ico
UninstallDisplayIcon={app}\amethyst.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible
;SignTool=signtool

[Files]
Source: "..\..\dist\amethyst\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Amethyst"; Filename: "{app}\amethyst.exe"
Name: "{group}\Uninstall Amethyst"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\amethyst.exe"; Description: "Start Amethyst"; Flags: nowait postinstall skipifsilent

[Code]
// The start-at-login value goes; the data folder (%LOCALAPPDATA%\Amethyst) stays unless the person asks.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
  begin
    RegDeleteValue(HKCU, 'Software\Microsoft\Windows\CurrentVersion\Run', 'Amethyst');
    if MsgBox('Also delete your Amethyst data (settings, chats, gallery)?', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
      DelTree(ExpandConstant('{localappdata}\Amethyst'), True, True, True);
  end;
end;
