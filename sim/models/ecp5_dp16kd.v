// Behavioural model of the ECP5 DP16KD (a 16 kbit dual-port block RAM) for simulating netlists.
// Yosys ships DP16KD as a black box only, so streamnorm adds this model. It covers what the
// designs here use: both ports 18 bits wide (1024 words; address in AD[13:4], AD[1:0] the byte
// enables of a write), synchronous reads whose data appear one clock after the address
// (REGMODE "NOREG") or two (REGMODE "OUTREG": the output register, loaded when OCE), a
// synchronous reset of the output (RESETMODE "SYNC": RST clears the register, or the latch
// without one), chip selects decoded as CSDECODE says. A read that meets a write of the same word
// on the other port in the same clock reads X (the device does not define it), so a design that
// relied on it fails its simulation instead of passing by luck. Anything else (other widths,
// asynchronous reset) stops the simulation instead of being simulated wrongly.
`timescale 1ns / 1ps
module DP16KD (
    input DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
    input ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
    input CEA, OCEA, CLKA, WEA, RSTA,
    input CSA2, CSA1, CSA0,
    output DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,
    input DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
    input ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
    input CEB, OCEB, CLKB, WEB, RSTB,
    input CSB2, CSB1, CSB0,
    output DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
);
    parameter DATA_WIDTH_A = 18;
    parameter DATA_WIDTH_B = 18;
    parameter REGMODE_A = "NOREG";
    parameter REGMODE_B = "NOREG";
    parameter RESETMODE = "SYNC";
    parameter ASYNC_RESET_RELEASE = "SYNC";
    parameter CSDECODE_A = "0b000";
    parameter CSDECODE_B = "0b000";
    parameter WRITEMODE_A = "NORMAL";
    parameter WRITEMODE_B = "NORMAL";
    parameter GSR = "ENABLED";
    parameter INIT_DATA = "STATIC";

    reg [17:0] mem [0:1023];

    wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
    wire [17:0] dib = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
    wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
    wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};

    // CSDECODE "0bXYZ": the port is selected when {CS2, CS1, CS0} equals XYZ
    function [2:0] decode(input [8*5-1:0] text);
        decode = {text[23:16] == "1", text[15:8] == "1", text[7:0] == "1"};
    endfunction
    wire sel_a = {CSA2, CSA1, CSA0} == decode(CSDECODE_A);
    wire sel_b = {CSB2, CSB1, CSB0} == decode(CSDECODE_B);

    initial begin
        if (DATA_WIDTH_A != 18 || DATA_WIDTH_B != 18) begin
            $display("DP16KD model: only DATA_WIDTH 18 is modelled (A %0d, B %0d)", DATA_WIDTH_A, DATA_WIDTH_B);
            $finish;
        end
        if (RESETMODE != "SYNC") begin
            $display("DP16KD model: only RESETMODE SYNC is modelled");
            $finish;
        end
    end

    reg [17:0] latch_a, latch_b, out_a, out_b;
    wire we_a = CEA && sel_a && WEA;
    wire we_b = CEB && sel_b && WEB;

    always @(posedge CLKA) begin
        if (we_a) begin
            if (ada[0]) mem[ada[13:4]][8:0] <= dia[8:0];
            if (ada[1]) mem[ada[13:4]][17:9] <= dia[17:9];
        end
        if (CEA && sel_a) begin
            if (RSTA && REGMODE_A == "NOREG") latch_a <= 18'd0;
            else if (!WEA) latch_a <= (we_b && adb[13:4] == ada[13:4]) ? 18'bx : mem[ada[13:4]];
        end
        if (RSTA) out_a <= 18'd0;
        else if (OCEA) out_a <= latch_a;
    end

    always @(posedge CLKB) begin
        if (we_b) begin
            if (adb[0]) mem[adb[13:4]][8:0] <= dib[8:0];
            if (adb[1]) mem[adb[13:4]][17:9] <= dib[17:9];
        end
        if (CEB && sel_b) begin
            if (RSTB && REGMODE_B == "NOREG") latch_b <= 18'd0;
            else if (!WEB) latch_b <= (we_a && ada[13:4] == adb[13:4]) ? 18'bx : mem[adb[13:4]];
        end
        if (RSTB) out_b <= 18'd0;
        else if (OCEB) out_b <= latch_b;
    end

    wire [17:0] doa = REGMODE_A == "OUTREG" ? out_a : latch_a;
    wire [17:0] dob = REGMODE_B == "OUTREG" ? out_b : latch_b;
    assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = doa;
    assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;
endmodule
