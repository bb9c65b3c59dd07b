// Behavioural model of the ECP5 MULT18X18D (an 18x18 multiplier block) for simulating netlists.
// Yosys ships MULT18X18D as a black box only, so streamnorm adds this model. It covers what the
// designs here use: the product of A and B (SIGNEDA/SIGNEDB choose signed or unsigned operands),
// with the input registers (A, B) and the output register each either bypassed ("NONE", as
// Yosys' synth_ecp5 instantiates it) or clocked by CLK0..CLK3 with their selected clock enable
// and synchronous reset. Anything else (pipeline register, C input, shift inputs) stops the
// simulation instead of being simulated wrongly.
`timescale 1ns / 1ps
module MULT18X18D (
    input A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17,
    input B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17,
    input C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17,
    input SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
    input CLK0, CLK1, CLK2, CLK3, CE0, CE1, CE2, CE3, RST0, RST1, RST2, RST3,
    output P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15, P16, P17, P18, P19, P20, P21, P22, P23, P24, P25, P26, P27, P28, P29, P30, P31, P32, P33, P34, P35
);
    parameter REG_INPUTA_CLK = "NONE";
    parameter REG_INPUTA_CE = "CE0";
    parameter REG_INPUTA_RST = "RST0";
    parameter REG_INPUTB_CLK = "NONE";
    parameter REG_INPUTB_CE = "CE0";
    parameter REG_INPUTB_RST = "RST0";
    parameter REG_INPUTC_CLK = "NONE";
    parameter REG_INPUTC_CE = "CE0";
    parameter REG_INPUTC_RST = "RST0";
    parameter REG_PIPELINE_CLK = "NONE";
    parameter REG_PIPELINE_CE = "CE0";
    parameter REG_PIPELINE_RST = "RST0";
    parameter REG_OUTPUT_CLK = "NONE";
    parameter REG_OUTPUT_CE = "CE0";
    parameter REG_OUTPUT_RST = "RST0";
    parameter CLK0_DIV = "ENABLED";
    parameter CLK1_DIV = "ENABLED";
    parameter CLK2_DIV = "ENABLED";
    parameter CLK3_DIV = "ENABLED";
    parameter HIGHSPEED_CLK = "NONE";
    parameter GSR = "ENABLED";
    parameter CAS_MATCH_REG = "FALSE";
    parameter SOURCEB_MODE = "B_SHIFT";
    parameter MULT_BYPASS = "DISABLED";
    parameter RESETMODE = "SYNC";

    wire [3:0] clk = {CLK3, CLK2, CLK1, CLK0};
    wire [3:0] ce = {CE3, CE2, CE1, CE0};
    wire [3:0] rst = {RST3, RST2, RST1, RST0};

    // which of the four clock/enable/reset pins a parameter names ("CLK2" -> 2)
    function integer pin(input [8*5-1:0] name);
        pin = name[7:0] - "0";
    endfunction

    wire [17:0] a_in = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
    wire [17:0] b_in = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
    reg [17:0] a_reg, b_reg;
    reg sa_reg, sb_reg;
    reg [35:0] p_reg;

    localparam A_REG = REG_INPUTA_CLK != "NONE";
    localparam B_REG = REG_INPUTB_CLK != "NONE";
    localparam P_REG = REG_OUTPUT_CLK != "NONE";

    wire [17:0] a = A_REG ? a_reg : a_in;
    wire [17:0] b = B_REG ? b_reg : b_in;
    wire sa = A_REG ? sa_reg : SIGNEDA;
    wire sb = B_REG ? sb_reg : SIGNEDB;
    wire signed [18:0] ea = {sa & a[17], a};
    wire signed [18:0] eb = {sb & b[17], b};
    wire signed [37:0] full = ea * eb;
    wire [35:0] product = full[35:0];

    generate
        if (A_REG) begin : reg_a
            always @(posedge clk[pin(REG_INPUTA_CLK)])
                if (rst[pin(REG_INPUTA_RST)]) begin a_reg <= 18'd0; sa_reg <= 1'b0; end
                else if (ce[pin(REG_INPUTA_CE)]) begin a_reg <= a_in; sa_reg <= SIGNEDA; end
        end
        if (B_REG) begin : reg_b
            always @(posedge clk[pin(REG_INPUTB_CLK)])
                if (rst[pin(REG_INPUTB_RST)]) begin b_reg <= 18'd0; sb_reg <= 1'b0; end
                else if (ce[pin(REG_INPUTB_CE)]) begin b_reg <= b_in; sb_reg <= SIGNEDB; end
        end
        if (P_REG) begin : reg_p
            always @(posedge clk[pin(REG_OUTPUT_CLK)])
                if (rst[pin(REG_OUTPUT_RST)]) p_reg <= 36'd0;
                else if (ce[pin(REG_OUTPUT_CE)]) p_reg <= product;
        end
    endgenerate
    assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = P_REG ? p_reg : product;

    initial begin
        if (REG_INPUTC_CLK != "NONE" || REG_PIPELINE_CLK != "NONE" || MULT_BYPASS != "DISABLED" ||
            RESETMODE != "SYNC") begin
            $display("MULT18X18D model: only input/output registers with a synchronous reset are modelled");
            $finish;
        end
    end
    always @(SOURCEA or SOURCEB) if ($time > 0 && (SOURCEA !== 1'b0 || SOURCEB !== 1'b0)) begin
        $display("MULT18X18D model: the SOURCEA/SOURCEB shift inputs are not modelled");
        $finish;
    end
endmodule
